import assert from 'node:assert/strict';
import { test } from 'node:test';
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
  startGatedUpstream,
  sumUsagePico,
} from '../helpers/durability.js';
import { createFreshPostgresDatabase } from '../helpers/fresh-postgres-database.js';
import {
  type GatewayProcess,
  prepareGatewayFiles,
  startGatewayProcess,
} from '../helpers/gateway-process.js';
import { getGeneration, postJson } from '../helpers/http.js';
import { freshRedisPrefix, TEST_REDIS_URL } from '../helpers/redis-prefix.js';
import { defaultTestConfig } from '../helpers/start-test-gateway.js';
import { startClientRequest } from '../helpers/stream-client.js';

/** A short lease for the test (the default is 30 s). */
const LEASE_MS = 1500;
const HELD_STREAMS = 12;
const FINISHED_PER_NODE = 4;

test('a node killed under streaming load and never restarted: the others recover every id it handed out, once', async (t) => {
  const database = await createFreshPostgresDatabase();
  t.after(() => database.drop());
  const prefix = await freshRedisPrefix(t);
  const { upstream, gate } = await startGatedUpstream(t);
  routeDurabilityUpstream(upstream, gate.opened);
  const files = await prepareGatewayFiles(t, 'tollgate-dead-node-', {
    ...(defaultTestConfig(upstream.url) as object),
    redis_key_prefix: prefix,
  });
  const adminKey = files.adminKey;
  const environment = {
    ...files.env,
    DATABASE_URL: database.url,
    REDIS_URL: TEST_REDIS_URL,
    TOLLGATE_NODE_LEASE_MS: String(LEASE_MS),
    TOLLGATE_CHECKPOINT_INTERVAL_MS: '100',
  };
  // One after the other: the first runs the migrations and creates the admin key.
  const nodes: GatewayProcess[] = [];
  for (const name of ['node-a', 'node-b', 'node-c']) {
    nodes.push(await startGatewayProcess(t, { ...environment, TOLLGATE_NODE_ID: name }));
  }
  const [nodeA, nodeB, nodeC] = nodes;
  assert.ok(nodeA !== undefined && nodeB !== undefined && nodeC !== undefined);
  // A key with a limit: its charges are kept in the shared Redis counters.
  const created = await postJson(nodeB.apiUrl, '/keys', adminKey, { name: 'load', limit: 10 });
  assert.equal(created.status, 201);
  const { key } = (await created.json()) as { key: string };

  const chat = (node: GatewayProcess, content: string, stream: boolean) =>
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

  assert.deepEqual(await nodeA.kill('SIGKILL'), { code: null, signal: 'SIGKILL' });
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
