import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, test } from 'node:test';
import { UpstreamError } from '../../src/errors/gateway-error.js';
import { CancelSignal } from '../../src/providers/cancel-signal.js';
import { toTransportError } from '../../src/providers/to-transport-error.js';
import { UpstreamClient } from '../../src/providers/upstream-client.js';
import type { UpstreamBody } from '../../src/providers/upstream-exchange.js';
import { createGate } from '../helpers/gate.js';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

interface TestUpstream {
  client: UpstreamClient;
  /** TCP connections accepted so far. */
  readonly connections: number;
  /** The server side of the latest connection. */
  readonly socket: Socket;
  close(): Promise<void>;
}

const CALL = {
  path: '/chat/completions',
  headers: { 'content-type': 'application/json' },
  body: '{}',
};
/** Unread bytes past which the body pauses its socket (upstream-exchange.ts). */
const HIGH_WATER_MARK = 64 * 1024;
/** The most one socket read hands over at once (net's default read size). */
const MAX_READ = 64 * 1024;

let open: TestUpstream | null = null;
afterEach(async () => {
  await open?.close();
  open = null;
});

async function startUpstream(handler: Handler): Promise<TestUpstream> {
  const server: Server = createServer(handler);
  let connections = 0;
  let latest: Socket | null = null;
  server.on('connection', (socket: Socket) => {
    connections += 1;
    latest = socket;
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const client = new UpstreamClient({
    providerName: 'Test',
    baseUrl: `http://127.0.0.1:${port}/v1`,
    timeoutMs: 30_000,
  });
  open = {
    client,
    get connections() {
      return connections;
    },
    get socket() {
      assert.ok(latest !== null, 'no connection yet');
      return latest;
    },
    async close() {
      await client.destroy();
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
  return open;
}

async function readAll(body: UpstreamBody): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Settles `promise` into its rejection (fails when it resolves). */
async function rejectionOf(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  assert.fail('expected a rejection');
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('UpstreamClient.send (undici dispatch, our own body)', () => {
  test('json() of a body in several chunks, some arrived before json() was called', async () => {
    const rest = createGate();
    const items = Array.from({ length: 20_000 }, (_, index) => ({ index, text: `item ${index}` }));
    const text = JSON.stringify({ items });
    const upstream = await startUpstream((request, response) => {
      assert.equal(request.url, '/v1/chat/completions');
      response.writeHead(200, { 'content-type': 'application/json' });
      // A byte order mark first: skipped, as undici's own json() does.
      response.write(
        Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text.slice(0, 7))]),
      );
      void rest.opened.then(() => response.end(text.slice(7)));
    });
    const response = await upstream.client.send(CALL, new CancelSignal());
    assert.equal(response.statusCode, 200);
    const json = response.body.json();
    rest.open();
    assert.deepEqual(await json, { items });
    // Read once only.
    assert.throws(() => response.body[Symbol.asyncIterator](), TypeError);
  });

  test('an error answer: text(), status, lower-case headers, repeated ones as arrays', async () => {
    const upstream = await startUpstream((_request, response) => {
      response.setHeader('Retry-After', '7');
      response.setHeader('Set-Cookie', ['a=1', 'b=2']);
      response.writeHead(429, { 'Content-Type': 'application/json' });
      response.end('{"error":{"message":"slow down"}}');
    });
    const response = await upstream.client.send(CALL, new CancelSignal());
    assert.equal(response.statusCode, 429);
    assert.equal(response.headers['retry-after'], '7');
    assert.equal(response.headers['content-type'], 'application/json');
    assert.deepEqual(response.headers['set-cookie'], ['a=1', 'b=2']);
    assert.equal(await response.body.text(), '{"error":{"message":"slow down"}}');
  });

  test('bodies read whole or to their end leave the socket to the next call', async () => {
    const upstream = await startUpstream((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: {"a":1}\n\n');
      response.end('data: [DONE]\n\n');
    });
    // undici frees a socket one event-loop turn after its response ended (client-h1.js), as
    // between two calls through the gateway.
    const first = await upstream.client.send(CALL, new CancelSignal());
    assert.match(await first.body.text(), /\[DONE\]/);
    await turn();
    const second = await upstream.client.send(CALL, new CancelSignal());
    assert.match(
      (await readAll(second.body)).toString(),
      /^data: \{"a":1\}\n\ndata: \[DONE\]\n\n$/,
    );
    await turn();
    const third = await upstream.client.send(CALL, new CancelSignal());
    await third.body.text();
    assert.equal(upstream.connections, 1);
  });

  test('a reader that lags pauses the socket: unread bytes stay under the high-water mark', async () => {
    const total = 16 * 1024 * 1024;
    const piece = Buffer.alloc(16 * 1024, 'x');
    let written = 0;
    const upstream = await startUpstream((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/octet-stream' });
      const write = () => {
        while (written < total) {
          written += piece.length;
          if (!response.write(piece)) return void response.once('drain', write);
        }
        response.end();
      };
      write();
    });
    const { body } = await upstream.client.send(CALL, new CancelSignal());
    // Nobody reads yet: the body fills to the mark, then pauses (bounded: it never gets there if
    // the socket was never paused, since the whole body would be buffered first).
    for (let turns = 0; !body.paused && turns < 100_000; turns += 1) await turn();
    assert.equal(body.paused, true);
    assert.ok(body.buffered >= HIGH_WATER_MARK);
    assert.ok(body.buffered < HIGH_WATER_MARK + MAX_READ, `buffered ${body.buffered}`);
    // The kernel's buffers hold a few MB at most: the server is held back, not done.
    assert.ok(written < total, `written ${written}`);
    // A slow reader for 2 MB: a few event-loop turns (socket reads included) per chunk; then fast.
    let received = 0;
    let mostBuffered = 0;
    let count = 0;
    for await (const chunk of body) {
      received += chunk.length;
      count += 1;
      if (count > 128) continue;
      for (let index = 0; index < 3; index += 1) await turn();
      mostBuffered = Math.max(mostBuffered, body.buffered);
    }
    assert.equal(received, total);
    assert.ok(mostBuffered < HIGH_WATER_MARK + MAX_READ, `buffered up to ${mostBuffered}`);
    assert.equal(upstream.connections, 1);
  });

  test('destroy() mid-body aborts the request: the read fails and the socket closes', async () => {
    const upstream = await startUpstream((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: {"a":1}\n\n');
      // Never ends.
    });
    const { body } = await upstream.client.send(CALL, new CancelSignal());
    const chunks = body[Symbol.asyncIterator]();
    const first = await chunks.next();
    assert.equal(first.done, false);
    const closed = once(upstream.socket, 'close');
    body.destroy();
    const error = await rejectionOf(chunks.next());
    assert.equal(error.code, 'UND_ERR_ABORTED');
    await closed;
  });

  test('leaving an iteration early destroys the body', async () => {
    const upstream = await startUpstream((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: {"a":1}\n\n');
    });
    const { body } = await upstream.client.send(CALL, new CancelSignal());
    const closed = once(upstream.socket, 'close');
    for await (const chunk of body) {
      assert.ok(chunk.length > 0);
      break;
    }
    await closed;
  });

  test('a connection reset mid-body fails the iteration and json() with a transport error', async () => {
    const upstream = await startUpstream((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"partial":', () => response.socket?.destroy());
    });
    const iterated = await upstream.client.send(CALL, new CancelSignal());
    const iterationError = await rejectionOf(readAll(iterated.body));
    assert.ok(!(iterationError instanceof SyntaxError));
    const mapped = toTransportError(iterationError, 'Test');
    assert.equal(mapped.kind, 'upstream_error');
    assert.equal(mapped.retryable, true);

    const whole = await upstream.client.send(CALL, new CancelSignal());
    const jsonError = await rejectionOf(whole.body.json());
    assert.ok(!(jsonError instanceof SyntaxError), String(jsonError));
    assert.equal(toTransportError(jsonError, 'Test').kind, 'upstream_error');
  });

  test('an abort mid-body fails json() and the iteration', async () => {
    const upstream = await startUpstream((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"partial":');
    });
    const signal = new CancelSignal();
    const whole = await upstream.client.send(CALL, signal);
    const json = whole.body.json();
    signal.abort();
    assert.equal((await rejectionOf(json)).code, 'UND_ERR_ABORTED');

    const second = new CancelSignal();
    const iterated = await upstream.client.send(CALL, second);
    const chunks = iterated.body[Symbol.asyncIterator]();
    await chunks.next();
    const pending = chunks.next();
    second.abort();
    assert.equal((await rejectionOf(pending)).code, 'UND_ERR_ABORTED');
  });

  test('an abort before the headers rejects send() with the abort, not an UpstreamError', async () => {
    const arrived = createGate();
    const upstream = await startUpstream(() => arrived.open());
    const signal = new CancelSignal();
    const sent = upstream.client.send(CALL, signal);
    await arrived.opened;
    const closed = once(upstream.socket, 'close');
    signal.abort();
    const error = await rejectionOf(sent);
    assert.ok(!(error instanceof UpstreamError));
    assert.equal(error.code, 'UND_ERR_ABORTED');
    await closed;

    const early = new CancelSignal();
    early.abort();
    const earlyError = await rejectionOf(upstream.client.send(CALL, early));
    assert.equal(earlyError.code, 'UND_ERR_ABORTED');
    assert.equal(signal.listenerCount('abort'), 0);
  });

  test('no answer (connection refused) rejects send() with a retryable UpstreamError', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const { port } = closed.address() as AddressInfo;
    closed.close();
    await once(closed, 'close');
    const client = new UpstreamClient({
      providerName: 'Test',
      baseUrl: `http://127.0.0.1:${port}/v1`,
      timeoutMs: 30_000,
    });
    try {
      const error = await rejectionOf(client.send(CALL, new CancelSignal()));
      assert.ok(error instanceof UpstreamError);
      assert.equal(error.kind, 'upstream_error');
      assert.equal(error.retryable, true);
    } finally {
      await client.destroy();
    }
  });
});
