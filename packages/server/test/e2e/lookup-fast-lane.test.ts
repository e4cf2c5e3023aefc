import assert from 'node:assert/strict';
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { createLookupLane } from '../../src/routes/generation.js';
import { createKey, manageKey, postJson } from '../helpers/http.js';
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

/** `GET` on `agent`'s one connection: the status, the body and whether the socket was reused. */
function getOn(
  agent: Agent,
  url: string,
  key: string,
): Promise<{ status: number; body: string; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { agent, headers: { authorization: `Bearer ${key}` } });
    request.on('response', (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, body, reused: request.reusedSocket }),
      );
    });
    request.on('error', reject);
    request.end();
  });
}

test('a key changed on one keep-alive connection is answered as the key it is now', async (t) => {
  const harness = await startTestGatewayFor(t, { countTokens: false });
  const owner = await createKey(harness.apiUrl, harness.key, { name: 'owner' });
  const stranger = await createKey(harness.apiUrl, harness.key, { name: 'stranger' });
  const id = await generate(harness, owner);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => agent.destroy());
  const url = `${harness.apiUrl}/generation?id=${id}`;
  const seen: Array<[number, boolean]> = [];
  for (const key of [owner, owner, stranger, owner, 'sk-tg-v1-nope', owner, harness.key]) {
    const { status, reused } = await getOn(agent, url, key);
    seen.push([status, reused]);
  }
  assert.deepEqual(seen, [
    [200, false],
    [200, true],
    [404, true],
    [200, true],
    [401, true],
    [200, true],
    [200, true],
  ]);
});

test('a key disabled, deleted or expired is refused on the lane at once, on the same connection', async (t) => {
  let nowMs = Date.parse('2030-01-01T00:00:00.000Z');
  const harness = await startTestGatewayFor(t, { countTokens: false, now: () => nowMs });
  // Expires while its cached row is still fresh (the cache keeps a row 2 s): the lane checks it.
  const expiresAt = '2030-01-01T00:00:01.000Z';
  const keys = {
    disabled: await createKey(harness.apiUrl, harness.key, { name: 'disabled' }),
    deleted: await createKey(harness.apiUrl, harness.key, { name: 'deleted' }),
    expired: await createKey(harness.apiUrl, harness.key, {
      name: 'expired',
      expires_at: expiresAt,
    }),
  };
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => agent.destroy());
  const lookups: Record<string, string> = {};
  for (const [name, key] of Object.entries(keys)) {
    lookups[name] = `${harness.apiUrl}/generation?id=${await generate(harness, key)}`;
    // Twice: the second is answered from the cached key.
    for (let attempt = 0; attempt < 2; attempt += 1) {
      assert.equal((await getOn(agent, lookups[name] ?? '', key)).status, 200);
    }
  }
  assert.equal(
    await manageKey(harness.apiUrl, harness.key, 'PATCH', keys.disabled, { disabled: true }),
    200,
  );
  assert.equal(await manageKey(harness.apiUrl, harness.key, 'DELETE', keys.deleted), 200);
  nowMs = Date.parse(expiresAt);
  const refusals: Record<string, Array<[number, string, boolean]>> = {};
  for (const [name, key] of Object.entries(keys)) {
    // Twice: the first reads the key's row again (a disabled one is cached as it is), the second
    // finds it in the cache.
    const answers: Array<[number, string, boolean]> = [];
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const { status, body, reused } = await getOn(agent, lookups[name] ?? '', key);
      const { error } = JSON.parse(body) as { error: { message: string } };
      answers.push([status, error.message, reused]);
    }
    refusals[name] = answers;
  }
  assert.deepEqual(refusals, {
    disabled: [
      [401, 'This API key is disabled', true],
      [401, 'This API key is disabled', true],
    ],
    deleted: [
      [401, 'Invalid API key', true],
      [401, 'Invalid API key', true],
    ],
    expired: [
      [401, 'This API key has expired', true],
      [401, 'This API key has expired', true],
    ],
  });
});
