/**
 * Issue 15, part 1: clients that open connections and never finish their requests cannot freeze
 * inference. Without a valid key a request is answered 401 from its headers and never takes a
 * slot; with a valid key, a slow body takes no slot either and is cut by `http.request_timeout_ms`
 * with a 408 in the envelope; one address cannot hold more than
 * `http.max_connections_per_address` connections. Small limits keep it fast; everything waits on
 * events (responses, closes, the admission counts), never on the clock.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorEnvelopeSchema } from '@tollgate/protocol';
import { ConfigError, parseConfig } from '../../src/config/load-config.js';
import { getGeneration, postJson } from '../helpers/http.js';
import { openAIChatCompletion } from '../helpers/openai-fixtures.js';
import {
  openRawConnection,
  parseFirstResponse,
  type RawConnection,
} from '../helpers/raw-connection.js';
import {
  defaultTestConfig,
  startTestGateway,
  type TestGateway,
} from '../helpers/start-test-gateway.js';

const MAX_CONCURRENT = 8;
const MAX_QUEUE = 8;
const messages = [{ role: 'user', content: 'hi' }];

/** A request whose headers promise 100 bytes of body, of which only `{` is ever sent. */
function slowBody(authorization: string | null): string {
  return [
    'POST /api/v1/chat/completions HTTP/1.1',
    'host: 127.0.0.1',
    'content-type: application/json',
    ...(authorization === null ? [] : [`authorization: ${authorization}`]),
    'content-length: 100',
    '',
    '{',
  ].join('\r\n');
}

function portOf(harness: TestGateway): number {
  return Number(new URL(harness.gateway.url).port);
}

/** The most inference slots taken and requests queued at any moment from now on. */
function watchAdmission(harness: TestGateway): { maxActive: number; maxQueued: number } {
  const peak = { maxActive: 0, maxQueued: 0 };
  harness.gateway.context.admission.onChange((state) => {
    peak.maxActive = Math.max(peak.maxActive, state.active);
    peak.maxQueued = Math.max(peak.maxQueued, state.queued);
  });
  return peak;
}

async function startGatewayWith(http: Record<string, number>): Promise<TestGateway> {
  const harness = await startTestGateway({
    countTokens: false,
    config: (url) => ({
      ...(defaultTestConfig(url) as object),
      max_concurrent_requests: MAX_CONCURRENT,
      max_queue: MAX_QUEUE,
      http,
    }),
  });
  harness.upstream.route('/v1/chat/completions', () => ({
    kind: 'json',
    body: openAIChatCompletion(),
  }));
  return harness;
}

/** Asserts `data` is one error envelope with status == code, and returns it. */
function assertEnvelope(data: string, status: number) {
  const response = parseFirstResponse(data);
  assert.equal(response.status, status, data);
  assert.match(response.headers['content-type'] ?? '', /^application\/json/);
  const envelope = ErrorEnvelopeSchema.parse(JSON.parse(response.body));
  assert.equal(envelope.error.code, status);
  return { response, envelope };
}

async function assertServesNormally(harness: TestGateway): Promise<void> {
  const response = await postJson(harness.apiUrl, '/chat/completions', harness.key, {
    model: 'test/model',
    messages,
  });
  assert.equal(response.status, 200);
  const { id } = (await response.json()) as { id: string };
  assert.equal((await getGeneration(harness.apiUrl, harness.key, id)).status, 200);
}

test('a slow-body flood without a valid key is answered 401 at once, takes no slot, and inference still answers', {
  timeout: 60_000,
}, async (t) => {
  const harness = await startGatewayWith({});
  t.after(() => harness.close());
  const peak = watchAdmission(harness);
  const authorizations = [null, 'Bearer sk-tg-v1-not-a-key', 'Basic dXNlcjpwYXNz'];
  // Twice what the slots and the queue hold together: before the fix, the first 16 held them
  // for ever and no 401 ever came.
  const flood = await Promise.all(
    Array.from({ length: 2 * (MAX_CONCURRENT + MAX_QUEUE) }, (_, index) =>
      openRawConnection(portOf(harness), slowBody(authorizations[index % 3] ?? null)),
    ),
  );
  for (const connection of flood) {
    // The server answers and closes although the body never arrives.
    const { response } = assertEnvelope(await connection.closed, 401);
    assert.equal(response.headers['connection'], 'close');
  }
  assert.deepEqual(peak, { maxActive: 0, maxQueued: 0 }, 'no request without a key took a slot');
  await assertServesNormally(harness);
});

test('slow bodies with a valid key take no slot and are cut by request_timeout_ms with a 408 in the envelope', {
  timeout: 60_000,
}, async (t) => {
  const harness = await startGatewayWith({ headers_timeout_ms: 1000, request_timeout_ms: 1000 });
  t.after(() => harness.close());
  const peak = watchAdmission(harness);
  const flood: RawConnection[] = await Promise.all(
    Array.from({ length: 2 * (MAX_CONCURRENT + MAX_QUEUE) }, () =>
      openRawConnection(portOf(harness), slowBody(`Bearer ${harness.key}`)),
    ),
  );
  // Headers that never end are bounded too (headers_timeout_ms).
  const slowHeaders = await openRawConnection(
    portOf(harness),
    'POST /api/v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\nx-slow: ',
  );
  const accepted = () =>
    new Promise<number>((resolve, reject) =>
      harness.gateway.app.server.getConnections((error, count) =>
        error === null ? resolve(count) : reject(error),
      ),
    );
  while ((await accepted()) < flood.length + 1) {
    await new Promise((resolve) => setImmediate(resolve));
  }
  // While every slow client is still connected, a valid request is served at once.
  await assertServesNormally(harness);
  for (const connection of [...flood, slowHeaders]) {
    const { response, envelope } = assertEnvelope(await connection.closed, 408);
    assert.equal(response.headers['connection'], 'close');
    assert.match(envelope.error.message, /not received in time/);
  }
  assert.deepEqual(peak, { maxActive: 1, maxQueued: 0 }, 'only the complete request took a slot');
  await assertServesNormally(harness);
});

test('connections beyond max_connections_per_address are answered 429 and closed; freed ones count again', {
  timeout: 60_000,
}, async (t) => {
  const limit = 3;
  const harness = await startGatewayWith({ max_connections_per_address: limit });
  t.after(() => harness.close());
  const health = 'GET /health HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n';
  const held = await Promise.all(
    Array.from({ length: limit }, () => openRawConnection(portOf(harness), health)),
  );
  // Answered, so counted: the connections stay open (keep-alive).
  for (const connection of held) await connection.waitFor('{"status":"ok"}');
  const extra = await openRawConnection(portOf(harness), health);
  const { response, envelope } = assertEnvelope(await extra.closed, 429);
  assert.equal(response.headers['retry-after'], '1');
  assert.equal(response.headers['connection'], 'close');
  assert.match(envelope.error.message, /max_connections_per_address/);

  held[0]?.socket.destroy();
  // The server sees the close asynchronously: retry until a new connection is served.
  for (;;) {
    const again = await openRawConnection(
      portOf(harness),
      'GET /health HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n',
    );
    const answer = parseFirstResponse(await again.closed);
    if (answer.status === 200) break;
    assert.equal(answer.status, 429);
  }
  for (const connection of held) connection.socket.destroy();
});

test('refuses http timeouts where the headers would outlast the whole request, naming the key', () => {
  const config = (http: Record<string, number>) => () =>
    parseConfig(
      { ...(defaultTestConfig('http://127.0.0.1:9') as object), http },
      {},
      'test config',
    );
  assert.throws(config({ headers_timeout_ms: 5000, request_timeout_ms: 4000 }), (error) => {
    assert.ok(error instanceof ConfigError);
    assert.match(error.message, /http\.headers_timeout_ms: must not exceed request_timeout_ms/);
    return true;
  });
  // The default headers timeout (10 s) counts too.
  assert.throws(config({ request_timeout_ms: 5000 }), ConfigError);
  assert.throws(config({ max_connections_per_address: -1 }), ConfigError);
  assert.doesNotThrow(config({ headers_timeout_ms: 1000, request_timeout_ms: 1000 }));
});
