import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateKey } from '../../src/accounts/api-keys.js';
import { HELD_MARKER, routeDurabilityUpstream } from '../helpers/durability.js';
import { startFakeUpstream } from '../helpers/fake-upstream.js';
import { createFreshPostgresDatabase } from '../helpers/fresh-postgres-database.js';
import { getGeneration, openStreamUntil, postJson } from '../helpers/http.js';
import { type SpawnedGateway, spawnGateway } from '../helpers/spawn-gateway.js';
import { defaultTestConfig, startTestGateway } from '../helpers/start-test-gateway.js';

const ROUNDS = 30;

/** Aborts a stream once its first text arrived and looks its id up at once on `lookupUrl`. */
async function abortAndLookUp(
  streamUrl: string,
  lookupUrl: string,
  key: string,
  round: number,
): Promise<void> {
  const stream = await openStreamUntil(
    streamUrl,
    key,
    { model: 'test/model', messages: [{ role: 'user', content: `hold ${round}` }], stream: true },
    HELD_MARKER,
  );
  stream.abandon();
  const response = await getGeneration(lookupUrl, key, stream.generationId);
  const body = await response.text();
  assert.equal(response.status, 200, `round ${round}: ${body}`);
  const record = (JSON.parse(body) as { data: { id: string; cancelled: boolean } }).data;
  assert.equal(record.id, stream.generationId);
  assert.equal(record.cancelled, true);
}

test('a lookup right after a client aborted its stream waits for the record instead of 404', async (t) => {
  const gateway = await startTestGateway();
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  t.after(async () => {
    release();
    await gateway.close();
  });
  routeDurabilityUpstream(gateway.upstream, gate);
  for (let round = 0; round < ROUNDS; round += 1) {
    await abortAndLookUp(gateway.apiUrl, gateway.apiUrl, gateway.key, round);
  }
  // An id nobody has in flight is still 404; so is another key's id in flight.
  const missing = await getGeneration(gateway.apiUrl, gateway.key, 'gen-1795300000-AAAAAAAAAA');
  assert.equal(missing.status, 404);
  const created = await postJson(gateway.apiUrl, '/keys', gateway.key, { name: 'other' });
  const other = ((await created.json()) as { key: string }).key;
  const live = await openStreamUntil(
    gateway.apiUrl,
    gateway.key,
    { model: 'test/model', messages: [{ role: 'user', content: 'hold live' }], stream: true },
    HELD_MARKER,
  );
  const foreign = await getGeneration(gateway.apiUrl, other, live.generationId);
  assert.equal(foreign.status, 404);
  live.abandon();
  const own = await getGeneration(gateway.apiUrl, gateway.key, live.generationId);
  assert.equal(own.status, 200);
});

test('on two nodes, a stream aborted on one is readable on the other at once', async (t) => {
  const upstream = await startFakeUpstream();
  const dataDir = await mkdtemp(join(tmpdir(), 'tollgate-lookup-'));
  const database = await createFreshPostgresDatabase();
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const nodes: SpawnedGateway[] = [];
  t.after(async () => {
    release();
    for (const node of nodes) {
      if (node.child.exitCode === null) node.child.kill('SIGTERM');
      await node.exited;
    }
    await upstream.close();
    await database.drop();
    await rm(dataDir, { recursive: true, force: true });
  });
  routeDurabilityUpstream(upstream, gate);
  const configPath = join(dataDir, 'config.json');
  await writeFile(configPath, JSON.stringify(defaultTestConfig(upstream.url)));
  const key = generateKey();
  const environment = {
    DATABASE_URL: database.url,
    TOLLGATE_CONFIG: configPath,
    TOLLGATE_ADMIN_KEY: key,
    TOLLGATE_DATA_DIR: dataDir,
  };
  nodes.push(await spawnGateway({ ...environment, TOLLGATE_NODE_ID: 'node-a' }));
  nodes.push(await spawnGateway({ ...environment, TOLLGATE_NODE_ID: 'node-b' }));
  const [nodeA, nodeB] = nodes;
  assert.ok(nodeA !== undefined && nodeB !== undefined);
  for (let round = 0; round < ROUNDS; round += 1) {
    const [streamNode, lookupNode] = round % 2 === 0 ? [nodeA, nodeB] : [nodeB, nodeA];
    await abortAndLookUp(streamNode.apiUrl, lookupNode.apiUrl, key, round);
  }
});
