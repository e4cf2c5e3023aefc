import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import { hashKey } from '../../src/accounts/api-keys.js';
import type { GenerationRow } from '../../src/storage/storage.js';
import { createGate } from '../helpers/gate.js';
import { nextCommit, openStreamUntil, postJson } from '../helpers/http.js';
import { openAIStreamEvents } from '../helpers/openai-fixtures.js';
import {
  defaultTestConfig,
  startTestGateway,
  type TestGateway,
} from '../helpers/start-test-gateway.js';

const STREAMS = 1000;
const BATCH = 100;

function countResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const name of process.getActiveResourcesInfo())
    counts.set(name, (counts.get(name) ?? 0) + 1);
  return counts;
}

test('cancelling 1,000 streams leaves 1,000 billed records and leaks no socket, timer or hold', async (t) => {
  const harness = await startTestGateway();
  t.after(() => harness.close());
  const created = await postJson(harness.apiUrl, '/keys', harness.key, { name: 'c', limit: 1000 });
  const key = ((await created.json()) as { key: string }).key;

  // Every stream sends its first words, then the upstream stalls forever.
  harness.upstream.route('/v1/chat/completions', {
    kind: 'sse',
    events: openAIStreamEvents({ contents: ['first words', ' never sent'] }),
    gate: new Promise<void>(() => undefined),
    gateAfter: 2,
  });
  const serverSockets = new Set<Socket>();
  harness.gateway.app.server.on('connection', (socket: Socket) => {
    serverSockets.add(socket);
    socket.once('close', () => serverSockets.delete(socket));
  });
  const before = countResources();

  let cancelled = 0;
  let billed = 0;
  const allCommitted = new Promise<void>((resolve) => {
    const unsubscribe = harness.gateway.context.ledger.onCommitted((row) => {
      if (!row.cancelled) return;
      cancelled += 1;
      if (row.usagePico > 0n) billed += 1;
      if (cancelled === STREAMS) {
        unsubscribe();
        resolve();
      }
    });
  });
  const body = { model: 'test/model', messages: [{ role: 'user', content: 'go' }], stream: true };
  for (let round = 0; round < STREAMS / BATCH; round += 1) {
    const streams = await Promise.all(
      Array.from({ length: BATCH }, () =>
        openStreamUntil(harness.apiUrl, key, body, 'first words'),
      ),
    );
    for (const stream of streams) stream.abandon();
  }
  await allCommitted;
  await harness.upstream.settled();
  await Promise.all(
    [...serverSockets].map((socket) => new Promise((resolve) => socket.once('close', resolve))),
  );

  assert.equal(cancelled, STREAMS);
  assert.equal(billed, STREAMS, 'each cancelled stream is billed for the words it produced');
  assert.equal(harness.upstream.openRequests, 0, 'every upstream request was aborted');
  const held = harness.gateway.context.spendGuard.held(hashKey(key));
  assert.deepEqual(held, { key: 0n, account: 0n }, 'no credit stays held');
  const after = countResources();
  // A leak grows with the number of streams (1,000). Keep-alive sockets to the upstream — its
  // server side and, when the commit does not block the event loop (PostgreSQL), the pool's side —
  // are bounded by the concurrency (BATCH), not by the streams.
  for (const [name, slack] of [
    ['TCPSocketWrap', 2 * BATCH + 16],
    ['Timeout', 2],
  ] as const) {
    assert.ok(
      (after.get(name) ?? 0) <= (before.get(name) ?? 0) + slack,
      `${name}: ${before.get(name) ?? 0} before, ${after.get(name) ?? 0} after`,
    );
  }
});

/**
 * Upstream calls time out after 10 minutes here, so only the client's departure can end a hanging
 * one; the test's own timeout turns a call left running into a failure instead of a hang.
 */
const NO_UPSTREAM_TIMEOUT = {
  config: (upstreamUrl: string) => defaultTestConfig(upstreamUrl, 600_000),
};
const GUARD = { timeout: 60_000 };

/**
 * Sends a non-stream chat, hangs up once `reached` (the upstream got as far as the test wants),
 * and resolves with the committed row once the gateway has closed the upstream request too.
 */
async function hangUpWhen(harness: TestGateway, reached: Promise<void>): Promise<GenerationRow> {
  const client = new AbortController();
  const response = postJson(
    harness.apiUrl,
    '/chat/completions',
    harness.key,
    { model: 'test/model', messages: [{ role: 'user', content: 'hi' }] },
    {},
    client.signal,
  );
  await reached;
  const committed = nextCommit(harness.gateway);
  client.abort();
  await assert.rejects(response);
  const row = await committed;
  // The upstream request is closed by the gateway: nothing is left hanging on the fake.
  await harness.upstream.settled();
  assert.equal(harness.upstream.openRequests, 0);
  return row;
}

test(
  'a non-stream client that hangs up before the upstream answers cancels the upstream call',
  GUARD,
  async (t) => {
    const harness = await startTestGateway(NO_UPSTREAM_TIMEOUT);
    t.after(() => harness.close());
    const arrived = createGate();
    harness.upstream.route('/v1/chat/completions', () => {
      arrived.open();
      return { kind: 'hang' };
    });
    const row = await hangUpWhen(harness, arrived.opened);
    assert.equal(row.cancelled, true);
    const record = JSON.parse(row.record) as Record<string, unknown>;
    assert.equal(record['cancelled'], true);
    assert.equal(record['finish_reason'], null);
  },
);

test(
  'a non-stream client that hangs up while the upstream body arrives cancels the upstream call',
  GUARD,
  async (t) => {
    const harness = await startTestGateway(NO_UPSTREAM_TIMEOUT);
    t.after(() => harness.close());
    const bodyStarted = createGate();
    const never = createGate();
    // Headers and a first piece of the body, then the upstream stalls.
    harness.upstream.route('/v1/chat/completions', () => {
      bodyStarted.open();
      return { kind: 'sse', events: ['{"id":'], gate: never.opened, gateAfter: 1 };
    });
    const row = await hangUpWhen(harness, bodyStarted.opened);
    assert.equal(row.cancelled, true);
    assert.equal((JSON.parse(row.record) as Record<string, unknown>)['cancelled'], true);
  },
);
