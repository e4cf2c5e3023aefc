import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { createLookupLane } from '../../src/routes/generation.js';
import { createKey, postJson } from '../helpers/http.js';
import { openAIChatCompletion } from '../helpers/openai-fixtures.js';
import {
  defaultTestConfig,
  startTestGatewayFor,
  type TestGateway,
} from '../helpers/start-test-gateway.js';

const messages = [{ role: 'user', content: 'Say hello' }];

async function generate(harness: TestGateway, key: string): Promise<string> {
  harness.upstream.route('/v1/chat/completions', {
    kind: 'json',
    body: openAIChatCompletion({ content: 'Hello!' }),
  });
  const response = await postJson(harness.apiUrl, '/chat/completions', key, {
    model: 'test/model',
    messages,
  });
  assert.equal(response.status, 200);
  await response.text();
  return response.headers.get('x-generation-id') ?? '';
}

/** Status, headers but `date`, and body of a response. */
async function answerOf(response: Response): Promise<object> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (name !== 'date') headers[name] = value;
  });
  return { status: response.status, headers, body: await response.text() };
}

test('the lookup fast lane answers the same status, headers and bytes as the route', async (t) => {
  const harness = await startTestGatewayFor(t, { countTokens: false });
  const id = await generate(harness, harness.key);
  const authorization = `Bearer ${harness.key}`;
  for (const extra of [{}, { origin: 'https://app.example' }]) {
    const headers = { authorization, ...extra };
    // `?id=X` is the lane's; `?id=X&` means the same to the route's query parser, not to the lane.
    const lane = await answerOf(await fetch(`${harness.apiUrl}/generation?id=${id}`, { headers }));
    const route = await answerOf(
      await fetch(`${harness.apiUrl}/generation?id=${id}&`, { headers }),
    );
    assert.deepEqual(lane, route);
    assert.equal((lane as { status: number }).status, 200);
  }
});

test('the lane answers only a plain id its key may read; every other request reaches the route', async (t) => {
  const harness = await startTestGatewayFor(t, { countTokens: false });
  const other = await createKey(harness.apiUrl, harness.key, { name: 'other' });
  const own = await generate(harness, other);
  const lane = createLookupLane(harness.gateway.context, {});
  const seen: Array<'declined' | 'handed on'> = [];
  const route = (_request: IncomingMessage, response: ServerResponse) => {
    response.writeHead(299).end('route');
  };
  const server = createServer((request, response) => {
    const handedOn = (req: IncomingMessage, res: ServerResponse) => {
      seen.push('handed on');
      route(req, res);
    };
    if (!lane(request, response, handedOn)) {
      seen.push('declined');
      route(request, response);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const get = async (path: string, key: string | null, init: RequestInit = {}) => {
    const headers = key === null ? {} : { authorization: `Bearer ${key}` };
    const response = await fetch(`${origin}${path}`, { headers, ...init });
    await response.text();
    return response.status;
  };
  const cases: Array<[string, number, Array<'declined' | 'handed on'>]> = [];
  const check = async (label: string, status: Promise<number>) => {
    seen.length = 0;
    cases.push([label, await status, [...seen]]);
  };
  await check('owner', get(`/api/v1/generation?id=${own}`, other));
  await check('management key', get(`/api/v1/generation?id=${own}`, harness.key));
  await check('missing id', get('/api/v1/generation?id=gen-0-missing', other));
  await check('bad key', get(`/api/v1/generation?id=${own}`, 'sk-tg-v1-nope'));
  await check('no key', get(`/api/v1/generation?id=${own}`, null));
  await check('another query', get(`/api/v1/generation?id=${own}&x=1`, other));
  await check('encoded id', get('/api/v1/generation?id=gen%2D1', other));
  await check('content', get(`/api/v1/generation/content?id=${own}`, other));
  await check('HEAD', get(`/api/v1/generation?id=${own}`, other, { method: 'HEAD' }));
  const foreign = await generate(harness, harness.key);
  await check("another key's", get(`/api/v1/generation?id=${foreign}`, other));
  assert.deepEqual(cases, [
    ['owner', 200, []],
    ['management key', 200, []],
    ['missing id', 299, ['handed on']],
    ['bad key', 299, ['handed on']],
    ['no key', 299, ['declined']],
    ['another query', 299, ['declined']],
    ['encoded id', 299, ['declined']],
    ['content', 299, ['declined']],
    ['HEAD', 299, ['declined']],
    ["another key's", 299, ['handed on']],
  ]);
});

test('a rate-limited key reads its generations through the route: every lookup counts once', async (t) => {
  const fixedNow = Date.UTC(2026, 10, 22, 12, 0, 30);
  const harness = await startTestGatewayFor(t, {
    countTokens: false,
    now: () => fixedNow,
    config: (url) => ({
      ...(defaultTestConfig(url) as object),
      rate_limit: { requests: 3, interval_seconds: 60 },
    }),
  });
  // The generation is the first of the key's three requests; two lookups are the rest.
  const id = await generate(harness, harness.key);
  const lookup = () =>
    fetch(`${harness.apiUrl}/generation?id=${id}`, {
      headers: { authorization: `Bearer ${harness.key}` },
    });
  for (let attempt = 0; attempt < 2; attempt += 1) assert.equal((await lookup()).status, 200);
  const limited = await lookup();
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get('x-ratelimit-limit'), '3');
});
