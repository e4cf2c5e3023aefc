import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { generateKey } from '../../src/accounts/api-keys.js';
import { createPostgresKysely, createPostgresPool } from '../../src/storage/dialects/postgres.js';
import {
  deliveredTextBytes,
  fetchCompleteRecord,
  HELD_MARKER,
  inspectLedger,
  keyUsagePico,
  pollUntil,
  type ReceivedId,
  receivedId,
  routeDurabilityUpstream,
  sumUsagePico,
} from '../helpers/durability.js';
import { startFakeUpstream } from '../helpers/fake-upstream.js';
import { createFreshPostgresDatabase } from '../helpers/fresh-postgres-database.js';
import { getGeneration, postJson } from '../helpers/http.js';
import { type SpawnedGateway, spawnGateway } from '../helpers/spawn-gateway.js';
import { defaultTestConfig } from '../helpers/start-test-gateway.js';
import { startClientRequest } from '../helpers/stream-client.js';

const TEST_REDIS_URL = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
/** A short lease for the test (the default is 30 s). */
const LEASE_MS = 1500;
const HELD_STREAMS = 12;
const FINISHED_PER_NODE = 4;

test('a node killed under streaming load and never restarted: the others recover every id it handed out, once', async (t) => {
  const upstream = await startFakeUpstream();
  const dataDir = await mkdtemp(join(tmpdir(), 'tollgate-dead-node-'));
  const database = await createFreshPostgresDatabase();
  const prefix = `tgtest:${randomBytes(6).toString('hex')}:`;
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const nodes: SpawnedGateway[] = [];
  t.after(async () => {
    release();
    for (const node of nodes) {
      if (node.child.exitCode === null && node.child.signalCode === null) {
        node.child.kill('SIGKILL');
      }
      await node.exited;
    }
    await upstream.close();
    await database.drop();
    await rm(dataDir, { recursive: true, force: true });
    const redis = new Redis(TEST_REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });
  routeDurabilityUpstream(upstream, gate);
  const configPath = join(dataDir, 'config.json');
  await writeFile(
    configPath,
    JSON.stringify({ ...(defaultTestConfig(upstream.url) as object), redis_key_prefix: prefix }),
  );
  const adminKey = generateKey();
  const environment = {
    DATABASE_URL: database.url,
    REDIS_URL: TEST_REDIS_URL,
    TOLLGATE_CONFIG: configPath,
    TOLLGATE_ADMIN_KEY: adminKey,
    TOLLGATE_DATA_DIR: dataDir,
    TOLLGATE_NODE_LEASE_MS: String(LEASE_MS),
    TOLLGATE_CHECKPOINT_INTERVAL_MS: '100',
  };
  // One after the other: the first runs the migrations and creates the admin key.
  for (const name of ['node-a', 'node-b', 'node-c']) {
    nodes.push(await spawnGateway({ ...environment, TOLLGATE_NODE_ID: name }));
  }
  const [nodeA, nodeB, nodeC] = nodes;
  assert.ok(nodeA !== undefined && nodeB !== undefined && nodeC !== undefined);
  // A key with a limit: its charges are kept in the shared Redis counters.
  const created = await postJson(nodeB.apiUrl, '/keys', adminKey, { name: 'load', limit: 10 });
  assert.equal(created.status, 201);
  const { key } = (await created.json()) as { key: string };

  const chat = (node: SpawnedGateway, content: string, stream: boolean) =>
    startClientRequest(node.apiUrl, '/chat/completions', key, {
      model: 'test/model',
      messages: [{ role: 'user', content }],
      stream,
    });
  const held = Array.from({ length: HELD_STREAMS }, (_, index) =>
    chat(nodeA, `hold ${index} ${'word '.repeat(index)}`, true),
  );
  const finished = nodes.flatMap((node) => [
    ...Array.from({ length: FINISHED_PER_NODE }, (_, index) => chat(node, `stream ${index}`, true)),
    chat(node, 'json', false),
  ]);
  await Promise.all(held.map((request) => request.received(HELD_MARKER)));
  const finishedIds = (await Promise.all(finished.map((request) => request.outcome))).map(
    (outcome) => {
      assert.equal(outcome.status, 200);
      const id = receivedId(outcome);
      assert.ok(id !== null);
      return id;
    },
  );

  nodeA.child.kill('SIGKILL');
  assert.deepEqual(await nodeA.exited, { code: null, signal: 'SIGKILL' });
  const heldIds = (await Promise.all(held.map((request) => request.outcome)))
    .map(receivedId)
    .filter((id): id is ReceivedId => id !== null);
  assert.equal(heldIds.length, HELD_STREAMS, 'every held stream exposed its id');

  // A is never restarted. Within the lease (plus one beat) B or C claims A and recovers its rows;
  // every id A handed out becomes readable on both survivors. Polled with a bounded deadline.
  for (const { id, outcome } of heldIds) {
    for (const survivor of [nodeB, nodeC]) {
      await pollUntil(`record ${id} on ${survivor.url}`, async () => {
        const response = await getGeneration(survivor.apiUrl, key, id);
        await response.body?.cancel();
        return response.status === 200 ? true : undefined;
      });
    }
    const record = await fetchCompleteRecord(nodeC.apiUrl, key, id);
    assert.equal(record.cancelled, true);
    assert.equal(record.streamed, true);
    // Billed at most for what its client received (the last checkpoint may lag the kill).
    const deliveredTokens = Math.ceil(deliveredTextBytes(outcome.body) / 4);
    assert.ok(
      (record.native_tokens_completion ?? 0) <= deliveredTokens,
      `${record.native_tokens_completion} completion tokens ≤ ${deliveredTokens} delivered`,
    );
  }
  const records = [];
  for (const { id } of [...finishedIds, ...heldIds]) {
    records.push(await fetchCompleteRecord(nodeB.apiUrl, key, id));
  }
  const recordsUsage = sumUsagePico(records);
  for (const survivor of [nodeB, nodeC]) {
    assert.equal(await keyUsagePico(survivor.apiUrl, key), recordsUsage, 'GET /key = Σ records');
  }

  // Exactly once: one record per id handed out, no journal row left, A's lease gone.
  const direct = createPostgresKysely(createPostgresPool({ url: database.url, poolSize: 1 }));
  try {
    const ledger = await inspectLedger(direct);
    assert.equal(ledger.inflight, 0, 'no journal row is left');
    assert.equal(ledger.generations, finishedIds.length + heldIds.length);
    assert.equal(ledger.usagePico, recordsUsage);
    const leases = await direct.selectFrom('node_leases').select('node_id').execute();
    assert.deepEqual(leases.map((row) => row.node_id).sort(), ['node-b', 'node-c']);
  } finally {
    await direct.destroy();
  }
  // The survivors' own account: A's rows became records once in all (a claim that outlived its
  // lease on a slow machine may let both try; the finalize still creates each record once).
  const recovered = [nodeB, nodeC]
    .flatMap((node) => node.output.split('\n'))
    .filter((line) => line.includes('"deadNode":"node-a"'))
    .reduce((sum, line) => sum + (JSON.parse(line) as { recovered: number }).recovered, 0);
  assert.equal(recovered, HELD_STREAMS, 'each of A’s streams was recovered by exactly one node');
});
