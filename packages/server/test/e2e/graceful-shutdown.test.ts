import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { GenerationRecordSchema } from '@tollgate/protocol';
import {
  DURABILITY_STORAGES,
  fetchCompleteRecord,
  HELD_MARKER,
  inspectLedger,
  keyUsagePico,
  prepareDurabilityStorage,
  receivedId,
  routeDurabilityUpstream,
  startGatedUpstream,
  sumUsagePico,
} from '../helpers/durability.js';
import { countdown, createGate } from '../helpers/gate.js';
import { prepareGatewayFiles, startGatewayProcess } from '../helpers/gateway-process.js';
import { getGeneration, postJson, readSse } from '../helpers/http.js';
import { openAIStreamEvents } from '../helpers/openai-fixtures.js';
import { defaultTestConfig } from '../helpers/start-test-gateway.js';
import { startClientRequest } from '../helpers/stream-client.js';

test('SIGTERM lets an in-flight stream finish, commits its record, and exits 0', async (t) => {
  const { upstream, gate } = await startGatedUpstream(t);
  const files = await prepareGatewayFiles(t, 'tollgate-sigterm-', defaultTestConfig(upstream.url));
  const key = files.adminKey;
  const gateway = await startGatewayProcess(t, files.env);

  const upstreamReached = createGate();
  upstream.route('/v1/chat/completions', () => {
    upstreamReached.open();
    return {
      kind: 'sse',
      events: openAIStreamEvents({ contents: ['still', ' going'] }),
      gate: gate.opened,
      gateAfter: 2,
    };
  });
  const streaming = postJson(gateway.apiUrl, '/chat/completions', key, {
    model: 'test/model',
    messages: [{ role: 'user', content: 'drain me' }],
    stream: true,
  });
  await upstreamReached.opened;
  const stopped = gateway.kill('SIGTERM');
  // The stream was admitted before the signal; let it finish now.
  gate.open();
  const response = await streaming;
  const id = response.headers.get('x-generation-id') ?? '';
  const sse = await readSse(response);
  assert.equal(sse.done, true, 'the in-flight stream ends normally with [DONE]');
  assert.equal((await stopped).code, 0);

  // Restart on the same data: the record is there, complete.
  const again = await startGatewayProcess(t, files.env);
  const lookup = await getGeneration(again.apiUrl, key, id);
  assert.equal(lookup.status, 200);
  const record = ((await lookup.json()) as { data: { streamed: boolean; cancelled: boolean } })
    .data;
  assert.equal(record.streamed, true);
  assert.equal(record.cancelled, false);
  assert.deepEqual(await again.kill('SIGTERM'), { code: 0, signal: null });
});

type StorageKind = (typeof DURABILITY_STORAGES)[number];

const HELD_UNDER_LOAD = 12;
const SLOW_UNDER_LOAD = 8;

for (const storageKind of DURABILITY_STORAGES) {
  test(`SIGTERM under load refuses new requests, finishes every started one, loses no record (${storageKind})`, async (t) => {
    await sigtermUnderLoad(t, storageKind);
  });
  test(`SIGTERM drains for at most TOLLGATE_DRAIN_TIMEOUT_MS, then cuts and still commits the record (${storageKind})`, async (t) => {
    await sigtermDrainLimit(t, storageKind);
  });
}

async function sigtermUnderLoad(t: TestContext, storageKind: StorageKind): Promise<void> {
  const { upstream, gate } = await startGatedUpstream(t);
  const slowArrived = countdown(SLOW_UNDER_LOAD);
  routeDurabilityUpstream(upstream, gate.opened, (content) => {
    if (content.startsWith('slow')) slowArrived.tick();
  });
  const files = await prepareGatewayFiles(
    t,
    'tollgate-sigterm-load-',
    defaultTestConfig(upstream.url),
  );
  const key = files.adminKey;
  const storage = await prepareDurabilityStorage(t, storageKind, files.dataDir);
  const env = { ...files.env, ...storage.env };
  const gateway = await startGatewayProcess(t, env);
  const chat = (content: string, stream: boolean) =>
    startClientRequest(gateway.apiUrl, '/chat/completions', key, {
      model: 'test/model',
      messages: [{ role: 'user', content }],
      stream,
    });
  const held = Array.from({ length: HELD_UNDER_LOAD }, (_, index) => chat(`hold ${index}`, true));
  const slow = Array.from({ length: SLOW_UNDER_LOAD }, (_, index) => chat(`slow ${index}`, false));
  await Promise.all(held.map((request) => request.received(HELD_MARKER)));
  await slowArrived.reached;

  const stopped = gateway.kill('SIGTERM');
  await gateway.waitForOutput('shutting down');
  // A request arriving now is not served: refused or reset at the socket (a connection the kernel
  // accepted before the listener closed is dropped unread), or 503 while the listener closes.
  const late = await chat('json late', false).outcome;
  assert.ok(
    ['ECONNREFUSED', 'ECONNRESET'].includes(late.error?.code ?? '') || late.status === 503,
    `late request refused, got ${late.status} ${late.error?.code ?? ''}`,
  );
  assert.equal(receivedId(late), null, 'no generation for a refused request');
  gate.open();
  const outcomes = await Promise.all([...held, ...slow].map((request) => request.outcome));
  for (const outcome of outcomes) {
    assert.equal(outcome.error, null, 'no started request sees a reset');
    assert.equal(outcome.status, 200);
    assert.ok(outcome.complete);
  }
  for (const outcome of outcomes.slice(0, HELD_UNDER_LOAD)) assert.equal(outcome.done, true);
  assert.deepEqual(await stopped, { code: 0, signal: null });

  const ids = outcomes.map((outcome) => receivedId(outcome)?.id ?? '');
  const again = await startGatewayProcess(t, env);
  const records = [];
  for (const id of ids) {
    const record = await fetchCompleteRecord(again.apiUrl, key, id);
    assert.equal(record.cancelled, false);
    assert.equal(record.finish_reason, 'stop');
    records.push(record);
  }
  assert.equal(await keyUsagePico(again.apiUrl, key), sumUsagePico(records));
  assert.deepEqual(await again.kill('SIGTERM'), { code: 0, signal: null });
  const database = storage.open();
  try {
    const ledger = await inspectLedger(database);
    assert.deepEqual(ledger, {
      generations: HELD_UNDER_LOAD + SLOW_UNDER_LOAD,
      usagePico: sumUsagePico(records),
      inflight: 0,
    });
  } finally {
    await database.destroy();
  }
}

async function sigtermDrainLimit(t: TestContext, storageKind: StorageKind): Promise<void> {
  const { upstream, gate } = await startGatedUpstream(t);
  routeDurabilityUpstream(upstream, gate.opened);
  const files = await prepareGatewayFiles(
    t,
    'tollgate-sigterm-drain-',
    defaultTestConfig(upstream.url),
  );
  const key = files.adminKey;
  const storage = await prepareDurabilityStorage(t, storageKind, files.dataDir);
  const gateway = await startGatewayProcess(t, {
    ...files.env,
    ...storage.env,
    TOLLGATE_DRAIN_TIMEOUT_MS: '200',
  });
  // Never released: it outlives the drain limit.
  const stuck = startClientRequest(gateway.apiUrl, '/chat/completions', key, {
    model: 'test/model',
    messages: [{ role: 'user', content: 'hold forever' }],
    stream: true,
  });
  await stuck.received(HELD_MARKER);
  const stopped = gateway.kill('SIGTERM');
  const outcome = await stuck.outcome;
  assert.equal(outcome.complete, false, 'the straggler is cut at the drain limit');
  assert.deepEqual(await stopped, { code: 0, signal: null });

  const id = receivedId(outcome)?.id ?? '';
  // Read storage directly (no restart, so no recovery could have written it): the stream's own
  // handler committed the record before the process exited, with the text read so far.
  const database = storage.open();
  try {
    const stored = await database
      .selectFrom('generations')
      .select('record')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    const record = GenerationRecordSchema.parse(JSON.parse(stored.record));
    assert.equal(record.cancelled, true);
    assert.ok(record.tokens_completion !== null && record.tokens_completion > 0);
    assert.notEqual(record.latency, null);
    assert.equal((await inspectLedger(database)).inflight, 0, 'its journal row went with it');
  } finally {
    await database.destroy();
  }
}
