/**
 * CORS for browser clients (the SDK's React hooks run in pages): preflights answered before
 * authentication, Access-Control-Allow-Origin on answers, errors and SSE streams, X-Generation-Id
 * exposed, and `cors_origins` restricting origins.
 */
import assert from 'node:assert/strict';
import { describe, type TestContext, test } from 'node:test';
import { postJson } from '../helpers/http.js';
import { openAIStreamEvents } from '../helpers/openai-fixtures.js';
import { defaultTestConfig, startTestGateway } from '../helpers/start-test-gateway.js';

const ORIGIN = 'http://app.example';

async function startFor(t: TestContext, corsOrigins?: string[]) {
  const harness = await startTestGateway({
    countTokens: false,
    config: (url) => ({
      ...(defaultTestConfig(url) as object),
      ...(corsOrigins === undefined ? {} : { cors_origins: corsOrigins }),
    }),
  });
  t.after(() => harness.close());
  return harness;
}

function preflight(url: string, origin: string): Promise<Response> {
  return fetch(url, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type',
    },
  });
}

describe('CORS', () => {
  test('answers a preflight with 204 and the allowed method and headers, without a key', async (t) => {
    const harness = await startFor(t);
    const response = await preflight(`${harness.apiUrl}/chat/completions`, ORIGIN);
    assert.equal(response.status, 204);
    assert.equal(response.headers.get('access-control-allow-origin'), '*');
    assert.match(response.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.match(response.headers.get('access-control-allow-headers') ?? '', /authorization/);
  });

  test('allows any origin by default on answers, errors and streams, exposing X-Generation-Id', async (t) => {
    const harness = await startFor(t);
    harness.upstream.route('/v1/chat/completions', {
      kind: 'sse',
      events: openAIStreamEvents({ contents: ['hi'] }),
    });
    const stream = await postJson(
      harness.apiUrl,
      '/chat/completions',
      harness.key,
      { model: 'test/model', messages: [{ role: 'user', content: 'hi' }], stream: true },
      { origin: ORIGIN },
    );
    assert.equal(stream.status, 200);
    assert.equal(stream.headers.get('access-control-allow-origin'), '*');
    assert.match(stream.headers.get('access-control-expose-headers') ?? '', /X-Generation-Id/);
    await stream.text();

    const unauthorized = await fetch(`${harness.apiUrl}/credits`, { headers: { origin: ORIGIN } });
    assert.equal(unauthorized.status, 401);
    assert.equal(unauthorized.headers.get('access-control-allow-origin'), '*');
    await unauthorized.text();

    const models = await fetch(`${harness.apiUrl}/models`, { headers: { origin: ORIGIN } });
    assert.equal(models.headers.get('access-control-allow-origin'), '*');
    await models.text();
  });

  test('with cors_origins, echoes a listed origin and gives others no CORS headers', async (t) => {
    const harness = await startFor(t, [ORIGIN]);
    const allowed = await fetch(`${harness.apiUrl}/models`, { headers: { origin: ORIGIN } });
    assert.equal(allowed.headers.get('access-control-allow-origin'), ORIGIN);
    assert.match(allowed.headers.get('vary') ?? '', /Origin/);
    await allowed.text();
    const other = await fetch(`${harness.apiUrl}/models`, {
      headers: { origin: 'http://evil.example' },
    });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
    await other.text();
    const refusedPreflight = await preflight(`${harness.apiUrl}/models`, 'http://evil.example');
    assert.equal(refusedPreflight.headers.get('access-control-allow-origin'), null);
    await refusedPreflight.text();
  });
});
