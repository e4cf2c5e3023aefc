import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { GenerationRecordSchema } from '@tollgate/protocol';
import { generateKey } from '../../src/accounts/api-keys.js';
import {
  DURABILITY_STORAGES,
  fetchCompleteRecord,
  HELD_MARKER,
  inspectLedger,
  keyUsagePico,
  prepareDurabilityStorage,
  receivedId,
  routeDurabilityUpstream,
  sumUsagePico,
} from '../helpers/durability.js';
import { startFakeUpstream } from '../helpers/fake-upstream.js';
import { getGeneration, postJson, readSse } from '../helpers/http.js';
import { openAIStreamEvents } from '../helpers/openai-fixtures.js';
import { spawnGateway } from '../helpers/spawn-gateway.js';
import { defaultTestConfig } from '../helpers/start-test-gateway.js';
import { startClientRequest } from '../helpers/stream-client.js';

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

test('SIGTERM lets an in-flight stream finish, commits its record, and exits 0', async (t) => {
  const upstream = await startFakeUpstream();
  const dataDir = await mkdtemp(join(tmpdir(), 'tollgate-sigterm-'));
  t.after(async () => {
    await upstream.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  const configPath = join(dataDir, 'config.json');
  await writeFile(configPath, JSON.stringify(defaultTestConfig(upstream.url)));
  const key = generateKey();
  const child = spawn(process.execPath, [MAIN], {
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      TOLLGATE_DATA_DIR: dataDir,
      TOLLGATE_CONFIG: configPath,
      TOLLGATE_ADMIN_KEY: key,
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(output);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`gateway exited early (${code}): ${output}`)));
  });
  const apiUrl = `${url}/api/v1`;

  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let arrived: () => void = () => undefined;
  const upstreamReached = new Promise<void>((resolve) => {
    arrived = resolve;
  });
  upstream.route('/v1/chat/completions', () => {
    arrived();
    return {
      kind: 'sse',
      events: openAIStreamEvents({ contents: ['still', ' going'] }),
      gate,
      gateAfter: 2,
    };
  });
  const streaming = postJson(apiUrl, '/chat/completions', key, {
    model: 'test/model',
    messages: [{ role: 'user', content: 'drain me' }],
    stream: true,
  });
  await upstreamReached;
  child.kill('SIGTERM');
  // The stream was admitted before the signal; let it finish now.
  release();
  const response = await streaming;
  const id = response.headers.get('x-generation-id') ?? '';
  const sse = await readSse(response);
  assert.equal(sse.done, true, 'the in-flight stream ends normally with [DONE]');
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0);

  // Restart on the same data: the record is there, complete.
  const again = spawn(process.execPath, [MAIN], {
    env: {
      ...process.env,
      PORT: '0',
      TOLLGATE_DATA_DIR: dataDir,
      TOLLGATE_CONFIG: configPath,
      TOLLGATE_ADMIN_KEY: key,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.after(() => {
    if (again.exitCode === null) again.kill('SIGKILL');
  });
  let againOutput = '';
  const againUrl = await new Promise<string>((resolve) => {
    again.stdout?.on('data', (chunk: Buffer) => {
      againOutput += chunk.toString('utf8');
      const match = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(againOutput);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
  });
  const lookup = await getGeneration(`${againUrl}/api/v1`, key, id);
  assert.equal(lookup.status, 200);
  const record = ((await lookup.json()) as { data: { streamed: boolean; cancelled: boolean } })
    .data;
  assert.equal(record.streamed, true);
  assert.equal(record.cancelled, false);
  again.kill('SIGTERM');
  assert.deepEqual(await once(again, 'exit'), [0, null]);
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
  const upstream = await startFakeUpstream();
  const dataDir = await mkdtemp(join(tmpdir(), 'tollgate-sigterm-load-'));
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let slowArrived = 0;
  let allSlowArrived: () => void = () => undefined;
  const slowReached = new Promise<void>((resolve) => {
    allSlowArrived = resolve;
  });
  t.after(async () => {
    release();
    await upstream.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  routeDurabilityUpstream(upstream, gate, (content) => {
    if (content.startsWith('slow') && ++slowArrived === SLOW_UNDER_LOAD) allSlowArrived();
  });
  const configPath = join(dataDir, 'config.json');
  await writeFile(configPath, JSON.stringify(defaultTestConfig(upstream.url)));
  const key = generateKey();
  const storage = await prepareDurabilityStorage(t, storageKind, dataDir);
  const env = {
    TOLLGATE_DATA_DIR: dataDir,
    TOLLGATE_CONFIG: configPath,
    TOLLGATE_ADMIN_KEY: key,
    ...storage.env,
  };
  const gateway = await spawnGateway(env);
  t.after(() => {
    if (gateway.child.exitCode === null) gateway.child.kill('SIGKILL');
  });
  const chat = (content: string, stream: boolean) =>
    startClientRequest(gateway.apiUrl, '/chat/completions', key, {
      model: 'test/model',
      messages: [{ role: 'user', content }],
      stream,
    });
  const held = Array.from({ length: HELD_UNDER_LOAD }, (_, index) => chat(`hold ${index}`, true));
  const slow = Array.from({ length: SLOW_UNDER_LOAD }, (_, index) => chat(`slow ${index}`, false));
  await Promise.all(held.map((request) => request.received(HELD_MARKER)));
  await slowReached;

  gateway.child.kill('SIGTERM');
  await gateway.waitForOutput('shutting down');
  // A request arriving now is not served: refused or reset at the socket (a connection the kernel
  // accepted before the listener closed is dropped unread), or 503 while the listener closes.
  const late = await chat('json late', false).outcome;
  assert.ok(
    ['ECONNREFUSED', 'ECONNRESET'].includes(late.error?.code ?? '') || late.status === 503,
    `late request refused, got ${late.status} ${late.error?.code ?? ''}`,
  );
  assert.equal(receivedId(late), null, 'no generation for a refused request');
  release();
  const outcomes = await Promise.all([...held, ...slow].map((request) => request.outcome));
  for (const outcome of outcomes) {
    assert.equal(outcome.error, null, 'no started request sees a reset');
    assert.equal(outcome.status, 200);
    assert.ok(outcome.complete);
  }
  for (const outcome of outcomes.slice(0, HELD_UNDER_LOAD)) assert.equal(outcome.done, true);
  assert.deepEqual(await gateway.exited, { code: 0, signal: null });

  const ids = outcomes.map((outcome) => receivedId(outcome)?.id ?? '');
  const again = await spawnGateway(env);
  t.after(() => {
    if (again.child.exitCode === null) again.child.kill('SIGKILL');
  });
  const records = [];
  for (const id of ids) {
    const record = await fetchCompleteRecord(again.apiUrl, key, id);
    assert.equal(record.cancelled, false);
    assert.equal(record.finish_reason, 'stop');
    records.push(record);
  }
  assert.equal(await keyUsagePico(again.apiUrl, key), sumUsagePico(records));
  again.child.kill('SIGTERM');
  assert.deepEqual(await again.exited, { code: 0, signal: null });
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
  const upstream = await startFakeUpstream();
  const dataDir = await mkdtemp(join(tmpdir(), 'tollgate-sigterm-drain-'));
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  t.after(async () => {
    release();
    await upstream.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  routeDurabilityUpstream(upstream, gate);
  const configPath = join(dataDir, 'config.json');
  await writeFile(configPath, JSON.stringify(defaultTestConfig(upstream.url)));
  const key = generateKey();
  const storage = await prepareDurabilityStorage(t, storageKind, dataDir);
  const env = {
    TOLLGATE_DATA_DIR: dataDir,
    TOLLGATE_CONFIG: configPath,
    TOLLGATE_ADMIN_KEY: key,
    ...storage.env,
  };
  const gateway = await spawnGateway({ ...env, TOLLGATE_DRAIN_TIMEOUT_MS: '200' });
  t.after(() => {
    if (gateway.child.exitCode === null) gateway.child.kill('SIGKILL');
  });
  // Never released: it outlives the drain limit.
  const stuck = startClientRequest(gateway.apiUrl, '/chat/completions', key, {
    model: 'test/model',
    messages: [{ role: 'user', content: 'hold forever' }],
    stream: true,
  });
  await stuck.received(HELD_MARKER);
  gateway.child.kill('SIGTERM');
  const outcome = await stuck.outcome;
  assert.equal(outcome.complete, false, 'the straggler is cut at the drain limit');
  assert.deepEqual(await gateway.exited, { code: 0, signal: null });

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
