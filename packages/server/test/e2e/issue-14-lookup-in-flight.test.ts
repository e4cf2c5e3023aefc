import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateKey, hashKey } from '../../src/accounts/api-keys.js';
import { parseConfig } from '../../src/config/load-config.js';
import type { StorageConfig } from '../../src/config/settings.js';
import { startGateway } from '../../src/start-gateway.js';
import { HELD_MARKER, routeDurabilityUpstream, startGatedUpstream } from '../helpers/durability.js';
import { startFakeUpstream } from '../helpers/fake-upstream.js';
import { createFreshPostgresDatabase } from '../helpers/fresh-postgres-database.js';
import { createGate } from '../helpers/gate.js';
import { prepareGatewayFiles, startGatewayProcess } from '../helpers/gateway-process.js';
import { getGeneration, openStreamUntil, postJson } from '../helpers/http.js';
import { journaledStreamFacts, leaveJournaledStream } from '../helpers/journaled-stream.js';
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
  const gate = createGate();
  t.after(async () => {
    gate.open();
    await gateway.close();
  });
  routeDurabilityUpstream(gateway.upstream, gate.opened);
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
  const database = await createFreshPostgresDatabase();
  t.after(() => database.drop());
  const { upstream, gate } = await startGatedUpstream(t);
  routeDurabilityUpstream(upstream, gate.opened);
  const files = await prepareGatewayFiles(t, 'tollgate-lookup-', defaultTestConfig(upstream.url));
  const key = files.adminKey;
  const environment = { ...files.env, DATABASE_URL: database.url };
  const nodeA = await startGatewayProcess(t, { ...environment, TOLLGATE_NODE_ID: 'node-a' });
  const nodeB = await startGatewayProcess(t, { ...environment, TOLLGATE_NODE_ID: 'node-b' });
  for (let round = 0; round < ROUNDS; round += 1) {
    const [streamNode, lookupNode] = round % 2 === 0 ? [nodeA, nodeB] : [nodeB, nodeA];
    await abortAndLookUp(streamNode.apiUrl, lookupNode.apiUrl, key, round);
  }
});

test('a lookup of an id a dead node left in flight recovers that node at once and answers it', async (t) => {
  const database = await createFreshPostgresDatabase();
  const upstream = await startFakeUpstream();
  const storage: StorageConfig = { kind: 'postgres', url: database.url };
  const adminKey = generateKey();
  // The default 30 s lease: this node's own sweep runs every 10 s, so an answer within the
  // lookup's 2 s wait comes from the recovery the lookup itself triggers.
  const gateway = await startGateway({
    port: 0,
    storage,
    config: parseConfig(defaultTestConfig(upstream.url), {}, 'test config'),
    adminKey,
    countTokens: false,
    nodeId: 'survivor',
  });
  t.after(async () => {
    await gateway.close();
    await upstream.close();
    await database.drop();
  });
  const id = 'gen-1800000000-LeftByADeadNode000001';
  await leaveJournaledStream(
    storage,
    journaledStreamFacts({
      id,
      keyHash: hashKey(adminKey),
      normalizedPromptTokens: 1000,
      priceVersion: 'config:lookup-test',
    }),
    'dead-node',
    { relayedBytes: 400, leaseExpired: true },
  );

  const response = await getGeneration(`${gateway.url}/api/v1`, adminKey, id);
  const body = await response.text();
  assert.equal(response.status, 200, body);
  const record = (JSON.parse(body) as { data: Record<string, unknown> }).data;
  assert.equal(record['cancelled'], true);
  assert.equal(record['native_tokens_completion'], 100, 'ceil(400 checkpointed bytes / 4)');
});
