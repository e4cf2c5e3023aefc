/**
 * One error class per status: the real gateway produces 400, 401, 402, 403, 404, 413, 429, 502,
 * 524 and 529 (the last four through fake-upstream behaviours); a scripted HTTP server answers
 * 408, 422, 500, 503 and an unmapped status. Then the no-response errors: connection refused,
 * client timeout, caller abort, and a 2xx body that is not JSON.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { defaultTestConfig } from '../../server/test/helpers/start-test-gateway.js';
import {
  ApiError,
  BadGatewayResponseError,
  BadRequestResponseError,
  ConflictResponseError,
  ConnectionError,
  EdgeNetworkTimeoutResponseError,
  ExpectationFailedResponseError,
  ForbiddenResponseError,
  GoneResponseError,
  generationsGetGeneration,
  InternalServerResponseError,
  NotFoundResponseError,
  PayloadTooLargeResponseError,
  PaymentRequiredResponseError,
  ProviderOverloadedResponseError,
  RequestAbortedError,
  RequestTimeoutError,
  RequestTimeoutResponseError,
  ResponseValidationError,
  ServiceUnavailableResponseError,
  Tollgate,
  TollgateCore,
  TollgateDefaultError,
  TooManyRequestsResponseError,
  UnauthorizedResponseError,
  UnprocessableEntityResponseError,
  UnsupportedMediaTypeResponseError,
} from '../src/index.js';
import { closedPort, envelope, startScriptedServer } from './helpers/scripted-server.js';
import { CHAT_MODEL, startSdkGateway, type TestGateway } from './helpers/sdk-gateway.js';

const messages = [{ role: 'user' as const, content: 'hi' }];
const noRetries = { strategy: 'none' } as const;

/** Runs `call`, expecting it to reject with `ErrorClass`, and returns the error. */
async function expectReject<E extends Error>(
  call: Promise<unknown>,
  ErrorClass: abstract new (...args: never[]) => E,
): Promise<E> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof ErrorClass, `expected ${ErrorClass.name}, got ${String(error)}`);
    return error;
  }
  assert.fail(`expected ${ErrorClass.name}, but the call succeeded`);
}

describe('errors the gateway produces', () => {
  let harness: TestGateway;
  let client: Tollgate;
  before(async () => {
    harness = await startSdkGateway({
      bodyLimit: 16 * 1024,
      // Upstream timeout of 300 ms so a hanging upstream becomes a 524 quickly.
      config: (url) => defaultTestConfig(url, 300),
    });
    client = new Tollgate({
      apiKey: harness.key,
      serverURL: harness.apiUrl,
      retryConfig: noRetries,
    });
  });
  after(() => harness.close());

  test('400 is BadRequestResponseError with the envelope parsed', async () => {
    const error = await expectReject(
      client.chat.send({ model: CHAT_MODEL, messages: [] }),
      BadRequestResponseError,
    );
    assert.equal(error.status, 400);
    assert.equal(error.error?.code, 400);
    assert.match(error.message, /messages/);
    assert.ok(error instanceof ApiError);
  });

  test('401 is UnauthorizedResponseError', async () => {
    const stranger = new Tollgate({ apiKey: 'sk-tg-v1-nope', serverURL: harness.apiUrl });
    const error = await expectReject(stranger.credits.getCredits(), UnauthorizedResponseError);
    assert.equal(error.status, 401);
    assert.doesNotMatch(error.body, /sk-tg-v1-nope/, 'the key is not echoed');
  });

  test('402 is PaymentRequiredResponseError for a key whose limit is spent', async () => {
    const { key } = await client.apiKeys.create({ name: 'broke', limit: 0 });
    const broke = new Tollgate({ apiKey: key, serverURL: harness.apiUrl, retryConfig: noRetries });
    const error = await expectReject(
      broke.chat.send({ model: CHAT_MODEL, messages }),
      PaymentRequiredResponseError,
    );
    assert.equal(error.error?.code, 402);
  });

  test('403 is ForbiddenResponseError for key management without a management key', async () => {
    const { key } = await client.apiKeys.create({ name: 'plain' });
    const plain = new Tollgate({ apiKey: key, serverURL: harness.apiUrl });
    await expectReject(plain.apiKeys.list(), ForbiddenResponseError);
  });

  test('404 is NotFoundResponseError for an unknown model', async () => {
    await expectReject(
      client.models.get({ author: 'nobody', slug: 'nothing' }),
      NotFoundResponseError,
    );
  });

  test('413 is PayloadTooLargeResponseError', async () => {
    const big = [{ role: 'user' as const, content: 'x'.repeat(32 * 1024) }];
    await expectReject(
      client.chat.send({ model: CHAT_MODEL, messages: big }),
      PayloadTooLargeResponseError,
    );
  });

  test('429 is TooManyRequestsResponseError with the Retry-After header', async () => {
    harness.upstream.route('/v1/chat/completions', {
      kind: 'json',
      status: 429,
      headers: { 'retry-after': '7' },
      body: { error: { message: 'slow down' } },
    });
    const error = await expectReject(
      client.chat.send({ model: CHAT_MODEL, messages }),
      TooManyRequestsResponseError,
    );
    assert.equal(error.headers.get('retry-after'), '7');
  });

  test('502 is BadGatewayResponseError carrying the generation id and provider metadata', async () => {
    harness.upstream.route('/v1/chat/completions', {
      kind: 'json',
      status: 500,
      body: { error: { message: 'upstream exploded' } },
    });
    const error = await expectReject(
      client.chat.send({ model: CHAT_MODEL, messages }),
      BadGatewayResponseError,
    );
    assert.match(error.generationId ?? '', /^gen-/);
    assert.equal(error.error?.metadata?.['provider_name'], 'Acme');
    const record = await client.generations.getGeneration({ id: error.generationId ?? '' });
    assert.equal(record.data.finishReason, 'error');
  });

  test('524 is EdgeNetworkTimeoutResponseError when the upstream hangs', async () => {
    harness.upstream.route('/v1/chat/completions', { kind: 'hang' });
    await expectReject(
      client.chat.send({ model: CHAT_MODEL, messages }),
      EdgeNetworkTimeoutResponseError,
    );
  });

  test('409 is ConflictResponseError when the last management key would be disabled', async () => {
    // The bootstrap key this client uses is the gateway's only management key.
    const hash = createHash('sha256').update(harness.key).digest('hex');
    const error = await expectReject(
      client.apiKeys.update({ hash, disabled: true }),
      ConflictResponseError,
    );
    assert.equal(error.status, 409);
    assert.equal(error.error?.code, 409);
  });

  test('529 is ProviderOverloadedResponseError when the upstream is overloaded', async () => {
    harness.upstream.route('/v1/chat/completions', {
      kind: 'json',
      status: 529,
      body: { error: { message: 'overloaded' } },
    });
    await expectReject(
      client.chat.send({ model: CHAT_MODEL, messages }),
      ProviderOverloadedResponseError,
    );
  });
});

describe('statuses the gateway does not produce here, from a scripted server', () => {
  const cases: Array<[number, abstract new (...args: never[]) => ApiError]> = [
    [408, RequestTimeoutResponseError],
    [409, ConflictResponseError],
    [410, GoneResponseError],
    [415, UnsupportedMediaTypeResponseError],
    [417, ExpectationFailedResponseError],
    [422, UnprocessableEntityResponseError],
    [500, InternalServerResponseError],
    [503, ServiceUnavailableResponseError],
    [418, TollgateDefaultError],
  ];
  for (const [status, ErrorClass] of cases) {
    test(`${status} is ${ErrorClass.name}, returned by the standalone function`, async (t) => {
      const server = await startScriptedServer([
        { status, body: envelope(status, 'scripted'), headers: { 'x-generation-id': 'gen-x' } },
      ]);
      t.after(() => server.close());
      const core = new TollgateCore({ apiKey: 'k', serverURL: server.url, retryConfig: noRetries });
      const result = await generationsGetGeneration(core, { id: 'gen-x' });
      assert.equal(result.ok, false);
      assert.ok(result.error instanceof ErrorClass, String(result.error));
      assert.ok(result.error instanceof ApiError);
      assert.equal(result.error.status, status);
      assert.deepEqual(result.error.error, { code: status, message: 'scripted', metadata: null });
      assert.equal(result.error.generationId, 'gen-x');
      assert.equal(server.requests[0]?.authorization, 'Bearer k');
    });
  }

  test('a non-envelope error body still maps by status, with error null', async (t) => {
    const server = await startScriptedServer([{ status: 502, body: '<html>bad gateway</html>' }]);
    t.after(() => server.close());
    const core = new TollgateCore({ apiKey: 'k', serverURL: server.url, retryConfig: noRetries });
    const result = await generationsGetGeneration(core, { id: 'gen-x' });
    assert.ok(!result.ok && result.error instanceof BadGatewayResponseError);
    assert.equal(result.error.error, null);
    assert.equal(result.error.body, '<html>bad gateway</html>');
  });
});

describe('failures without an HTTP error response', () => {
  test('a refused connection is a ConnectionError that knows nothing was sent', async () => {
    const port = await closedPort();
    const core = new TollgateCore({
      apiKey: 'k',
      serverURL: `http://127.0.0.1:${port}/api/v1`,
      retryConfig: noRetries,
    });
    const result = await generationsGetGeneration(core, { id: 'gen-x' });
    assert.ok(!result.ok && result.error instanceof ConnectionError, String(result.error));
    assert.equal(result.error.notSent, true);
  });

  test('timeoutMs elapsing is a RequestTimeoutError; an aborted signal a RequestAbortedError', async (t) => {
    const server = await startScriptedServer([{ hang: true }]);
    t.after(() => server.close());
    const core = new TollgateCore({ apiKey: 'k', serverURL: server.url, retryConfig: noRetries });
    const timedOut = await generationsGetGeneration(core, { id: 'gen-x' }, { timeoutMs: 20 });
    assert.ok(
      !timedOut.ok && timedOut.error instanceof RequestTimeoutError,
      String(timedOut.error),
    );
    const controller = new AbortController();
    const pending = generationsGetGeneration(core, { id: 'gen-x' }, { signal: controller.signal });
    controller.abort();
    const aborted = await pending;
    assert.ok(!aborted.ok && aborted.error instanceof RequestAbortedError, String(aborted.error));
  });

  test('a 200 whose body is not JSON is a ResponseValidationError', async (t) => {
    const server = await startScriptedServer([
      { status: 200, body: '<html>captive portal</html>' },
    ]);
    t.after(() => server.close());
    const client = new Tollgate({ apiKey: 'k', serverURL: server.url, retryConfig: noRetries });
    const error = await expectReject(
      client.generations.getGeneration({ id: 'gen-x' }),
      ResponseValidationError,
    );
    assert.equal(error.status, 200);
    assert.match(error.body, /captive portal/);
  });
});
