/**
 * A client that pipelines two inference requests on one keep-alive connection and drops
 * the connection while the first is still being served. The second request's ServerResponse is
 * queued behind the first (Node's `state.outgoing`): it never gets a socket, and Node never
 * emits its `close` when the connection drops (lib/_http_server.js `abortIncoming`: "Abort
 * socket._httpMessage ?"). Everything that waits for that `close` — the admission slot
 * (http/install-admission.ts holdUntilClosed), the client-gone signal that cancels the upstream
 * (http/reply-sink.ts abortOnClientClose), the access-log line — waited forever until the HTTP
 * server closed such responses with their connection (http/http-server.ts closeWithConnection).
 *
 * Both HTTP paths are tested: the metered lane (`/api/v1/chat/completions`) and Fastify's route
 * (the same path with a trailing slash, which the lane declines).
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { countdown, createGate } from '../helpers/gate.js';
import { postJson } from '../helpers/http.js';
import { openAIChatCompletion, openAIStreamEvents } from '../helpers/openai-fixtures.js';
import { defaultTestConfig, startTestGatewayFor } from '../helpers/start-test-gateway.js';

const CHAT = '/api/v1/chat/completions';

/** Polls `read` until it returns `expected` (or, failing that, `ms` pass); returns the last value read. */
async function settle<Value>(read: () => Value, expected: Value, ms = 20_000): Promise<Value> {
  const until = Date.now() + ms;
  let value = read();
  while (!Object.is(value, expected) && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    value = read();
  }
  return value;
}

for (const [label, path] of [
  ['metered lane', CHAT],
  ['Fastify route', `${CHAT}/`],
] as const) {
  test(`${label}: a pipelined request queued behind another releases its admission slot and cancels its upstream when the client drops the connection`, {
    timeout: 30_000,
  }, async (t) => {
    // Opened at the end (registered first: runs before the gateway's close waits for streams).
    const streamGate = createGate();
    t.after(() => streamGate.open());
    const bothArrived = countdown(2);
    const refused = createGate();
    const harness = await startTestGatewayFor(t, {
      countTokens: false,
      config: (url) => ({
        ...(defaultTestConfig(url) as object),
        max_concurrent_requests: 2,
        max_queue: 0,
      }),
    });
    harness.upstream.route('/v1/chat/completions', async (request) => {
      const content = (request.body as { messages: Array<{ content: string }> }).messages[0]
        ?.content;
      if (content === 'hang') return { kind: 'hang' };
      if (content === 'stream') {
        return {
          kind: 'sse',
          events: openAIStreamEvents({ contents: ['one', 'two', 'three'] }),
          gate: streamGate.opened,
          gateAfter: 2,
        };
      }
      // Held until both have arrived (they overlap), or one was refused (the test then fails).
      bothArrived.tick();
      await Promise.race([bothArrived.reached, refused.opened]);
      return { kind: 'json', body: openAIChatCompletion({ content: 'Hello!' }) };
    });
    const port = Number(new URL(harness.gateway.url).port);
    const request = (content: string, stream: boolean) => {
      const body = JSON.stringify({
        model: 'test/model',
        messages: [{ role: 'user', content }],
        stream,
      });
      return [
        `POST ${path} HTTP/1.1`,
        'host: 127.0.0.1',
        `authorization: Bearer ${harness.key}`,
        'content-type: application/json',
        `content-length: ${Buffer.byteLength(body)}`,
        '',
        body,
      ].join('\r\n');
    };
    const admission = harness.gateway.context.admission;

    // One connection: a request whose upstream hangs, and a stream pipelined behind it.
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(request('hang', false) + request('stream', true));
    assert.equal(await settle(() => harness.upstream.openRequests, 2), 2, 'both reached upstream');
    assert.equal(admission.state.active, 2);

    // The client goes away.
    socket.destroy();
    assert.equal(
      await settle(() => harness.upstream.openRequests, 0),
      0,
      "the queued stream's upstream request is cancelled once its client is gone",
    );
    assert.equal(
      await settle(() => admission.state.active, 0),
      0,
      'both admission slots are released',
    );

    // The capacity is whole again: two overlapping requests are both served.
    streamGate.open();
    const statuses = await Promise.all(
      [1, 2].map(async () => {
        const response = await postJson(harness.apiUrl, '/chat/completions', harness.key, {
          model: 'test/model',
          messages: [{ role: 'user', content: 'hi' }],
        });
        await response.text();
        if (response.status !== 200) refused.open();
        return response.status;
      }),
    );
    assert.deepEqual(statuses, [200, 200]);
  });
}
