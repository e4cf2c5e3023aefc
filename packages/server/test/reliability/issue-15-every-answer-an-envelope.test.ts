/**
 * Issue 15, part 3: every answer the gateway gives, from any layer — Node's HTTP parser and
 * server, Fastify, the routes — is `{"error":{"code","message","metadata"}}` with status == code.
 * Raw sockets send what `fetch` never would; the drain case holds a stream open on a keep-alive
 * connection, starts the shutdown, and pipelines a request behind the stream.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorEnvelopeSchema } from '@tollgate/protocol';
import { createGate } from '../helpers/gate.js';
import { openAIStreamEvents } from '../helpers/openai-fixtures.js';
import { openRawConnection, parseFirstResponse } from '../helpers/raw-connection.js';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

function portOf(harness: TestGateway): number {
  return Number(new URL(harness.gateway.url).port);
}

/** Sends `bytes` on a fresh connection and returns the first response once the server closes. */
async function exchange(harness: TestGateway, bytes: string) {
  const connection = await openRawConnection(portOf(harness), bytes);
  return parseFirstResponse(await connection.closed);
}

function assertEnvelope(response: { status: number; body: string }, status: number): string {
  assert.equal(response.status, status, response.body);
  const envelope = ErrorEnvelopeSchema.parse(JSON.parse(response.body));
  assert.equal(envelope.error.code, status);
  return envelope.error.message;
}

const HTTP_LAYER_CASES: Array<{ name: string; bytes: string; status: number; message: RegExp }> = [
  {
    name: 'an HTTP/1.1 request without Host',
    bytes: 'GET /health HTTP/1.1\r\n\r\n',
    status: 400,
    message: /Missing Host header/,
  },
  {
    name: 'Expect: 200-ok',
    bytes:
      'POST /api/v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\nexpect: 200-ok\r\ncontent-length: 2\r\n\r\n{}',
    status: 417,
    message: /Unsupported Expect header "200-ok"/,
  },
  {
    name: 'CONNECT',
    bytes: 'CONNECT example.com:443 HTTP/1.1\r\nhost: example.com:443\r\n\r\n',
    status: 400,
    message: /CONNECT is not supported/,
  },
  {
    name: 'the HTTP/2 cleartext preface',
    bytes: 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
    status: 400,
    message: /HTTP\/2 over cleartext/,
  },
  {
    name: 'an unknown method',
    bytes: 'BREW /health HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n',
    status: 400,
    message: /unknown method/,
  },
  {
    name: 'an unknown HTTP version',
    bytes: 'GET /health HTTP/9.9\r\nhost: 127.0.0.1\r\n\r\n',
    status: 400,
    message: /Invalid HTTP version/,
  },
  {
    name: 'bare LF line ends',
    bytes: 'GET /health HTTP/1.1\nhost: 127.0.0.1\n\n',
    status: 400,
    message: /Malformed HTTP request/,
  },
  {
    name: 'an invalid chunk size',
    bytes:
      'POST /api/v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n',
    status: 400,
    message: /chunk size/,
  },
  {
    name: 'a NUL byte in a header value',
    bytes: 'GET /health HTTP/1.1\r\nhost: 127.0.0.1\r\nx-bad: a\u0000b\r\n\r\n',
    status: 400,
    message: /Malformed HTTP request/,
  },
  {
    name: 'headers over 16 KB',
    bytes: `GET /health HTTP/1.1\r\nhost: 127.0.0.1\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`,
    status: 413,
    message: /too large/,
  },
];

test('answers what the HTTP layer rejects in the error envelope, status == code, and closes', {
  timeout: 60_000,
}, async (t) => {
  const harness = await startTestGateway({ countTokens: false });
  t.after(() => harness.close());
  for (const { name, bytes, status, message } of HTTP_LAYER_CASES) {
    await t.test(name, async () => {
      const response = await exchange(harness, bytes);
      assert.match(assertEnvelope(response, status), message);
      assert.match(response.headers['content-type'] ?? '', /^application\/json/);
      assert.equal(response.headers['connection']?.toLowerCase(), 'close');
    });
  }
  // Host stays optional in HTTP/1.0, as the protocol says.
  const old = await exchange(harness, 'GET /health HTTP/1.0\r\n\r\n');
  assert.equal(old.status, 200);
});

test('a draining gateway answers requests arriving on open connections 503 in the envelope, with Retry-After and Connection: close', {
  timeout: 60_000,
}, async (t) => {
  const harness = await startTestGateway({ countTokens: false });
  t.after(() => harness.close());
  const gate = createGate();
  const upstreamReached = createGate();
  harness.upstream.route('/v1/chat/completions', () => {
    upstreamReached.open();
    return {
      kind: 'sse',
      events: openAIStreamEvents({ contents: ['a', 'b'] }),
      gate: gate.opened,
      gateAfter: 1,
    };
  });
  const body = JSON.stringify({
    model: 'test/model',
    messages: [{ role: 'user', content: 'hold on' }],
    stream: true,
  });
  // A keep-alive connection with a stream in flight: the drain leaves it open.
  const connection = await openRawConnection(
    portOf(harness),
    [
      'POST /api/v1/chat/completions HTTP/1.1',
      'host: 127.0.0.1',
      `authorization: Bearer ${harness.key}`,
      'content-type: application/json',
      `content-length: ${Buffer.byteLength(body)}`,
      '',
      body,
    ].join('\r\n'),
  );
  await upstreamReached.opened;
  // The stream's head is out (with its first chunk) before the drain: a response whose head is
  // not out yet says Connection: close instead (drain-connection-close.test.ts).
  await connection.waitFor('HTTP/1.1 200');
  const closing = harness.gateway.close();
  // The server stops listening right after the drain switch is thrown.
  while (harness.gateway.app.server.listening) {
    await new Promise((resolve) => setImmediate(resolve));
  }
  // A request pipelined behind the stream arrives during the drain.
  connection.socket.write('GET /api/v1/models HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n');
  gate.open();
  const received = await connection.closed;
  await closing;
  const stream = parseFirstResponse(received);
  assert.equal(stream.status, 200);
  assert.match(received, /data: \[DONE\]/, 'the stream admitted before the drain finishes');
  const second = received.slice(received.lastIndexOf('HTTP/1.1 '));
  const refused = parseFirstResponse(second);
  assert.match(assertEnvelope(refused, 503), /shutting down/);
  assert.equal(refused.headers['retry-after'], '1');
  assert.equal(refused.headers['connection'], 'close');
});
