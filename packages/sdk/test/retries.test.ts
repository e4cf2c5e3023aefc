/**
 * Retry rules against real HTTP servers: what is retried, what a POST never repeats, how
 * server-given delays and the default bounds apply, and the per-call override.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  BadGatewayResponseError,
  ConnectionError,
  chatSend,
  generationsGetGeneration,
  type RetryConfig,
  ServiceUnavailableResponseError,
  Tollgate,
  TollgateCore,
} from '../src/index.js';
import { closedPort, envelope, startScriptedServer } from './helpers/scripted-server.js';

/** Fast backoff so retried tests take milliseconds. */
const fast: RetryConfig = { strategy: 'backoff', backoff: { initialInterval: 1, maxInterval: 2 } };
const generation = JSON.stringify({ data: { id: 'gen-1', total_cost: 0.5 } });
const completion = JSON.stringify({
  id: 'gen-1',
  object: 'chat.completion',
  choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
});
const chat = { model: 'test/model', messages: [{ role: 'user' as const, content: 'hi' }] };

describe('retries', () => {
  test('a GET failing with 503, 502 then 200 succeeds on the third attempt', async (t) => {
    const server = await startScriptedServer([
      { status: 503 },
      { status: 502 },
      { status: 200, body: generation },
    ]);
    t.after(() => server.close());
    const client = new Tollgate({ apiKey: 'k', serverURL: server.url, retryConfig: fast });
    const { data } = await client.generations.getGeneration({ id: 'gen-1' });
    assert.equal(data.totalCost, 0.5);
    assert.equal(server.requests.length, 3);
  });

  test('the default config is bounded: 3 attempts, then the last error', async (t) => {
    const server = await startScriptedServer([{ status: 529, headers: { 'retry-after-ms': '1' } }]);
    t.after(() => server.close());
    const core = new TollgateCore({ apiKey: 'k', serverURL: server.url });
    const result = await generationsGetGeneration(core, { id: 'gen-1' });
    assert.equal(result.ok, false);
    assert.equal(server.requests.length, 3);
  });

  test('retry-after-ms is honoured, and a Retry-After beyond the time cap is not waited for', async (t) => {
    const server = await startScriptedServer([
      { status: 429, headers: { 'retry-after-ms': '5' } },
      { status: 200, body: generation },
    ]);
    t.after(() => server.close());
    const core = new TollgateCore({ apiKey: 'k', serverURL: server.url, retryConfig: fast });
    assert.ok((await generationsGetGeneration(core, { id: 'gen-1' })).ok);
    assert.equal(server.requests.length, 2);

    const slow = await startScriptedServer([{ status: 503, headers: { 'retry-after': '3600' } }]);
    t.after(() => slow.close());
    const slowCore = new TollgateCore({ apiKey: 'k', serverURL: slow.url });
    const result = await generationsGetGeneration(slowCore, { id: 'gen-1' });
    assert.ok(!result.ok && result.error instanceof ServiceUnavailableResponseError);
    assert.equal(slow.requests.length, 1, 'an hour is beyond the 30 s cap: no second attempt');
  });

  test('a POST that may have reached the server is never retried (502, 500, 524)', async (t) => {
    for (const status of [502, 500, 524]) {
      const server = await startScriptedServer([{ status }, { status: 200, body: completion }]);
      t.after(() => server.close());
      const core: TollgateCore = new TollgateCore({
        apiKey: 'k',
        serverURL: server.url,
        retryConfig: fast,
      });
      const result: { ok: boolean } = await chatSend(core, chat);
      assert.equal(result.ok, false, `status ${status}`);
      assert.equal(server.requests.length, 1, `a ${status} POST is sent once`);
    }
  });

  test('a POST is retried after a 429 and after a 503 with Retry-After, not a bare 503', async (t) => {
    const limited = await startScriptedServer([
      { status: 429, headers: { 'retry-after': '0' } },
      { status: 503, headers: { 'retry-after': '0' } },
      { status: 200, body: completion },
    ]);
    t.after(() => limited.close());
    const core = new TollgateCore({ apiKey: 'k', serverURL: limited.url, retryConfig: fast });
    const result = await chatSend(core, chat);
    assert.ok(result.ok, String(result.error));
    assert.equal(limited.requests.length, 3);

    const bare = await startScriptedServer([{ status: 503 }, { status: 200, body: completion }]);
    t.after(() => bare.close());
    const bareCore = new TollgateCore({ apiKey: 'k', serverURL: bare.url, retryConfig: fast });
    const bareResult = await chatSend(bareCore, chat);
    assert.ok(!bareResult.ok && bareResult.error instanceof ServiceUnavailableResponseError);
    assert.equal(bare.requests.length, 1);
  });

  test('a POST is resent when the connection was refused before anything was sent', async (t) => {
    const server = await startScriptedServer([{ status: 200, body: completion }]);
    t.after(() => server.close());
    const refusedUrl = `http://127.0.0.1:${await closedPort()}`;
    let calls = 0;
    // The first attempt goes to a port nobody listens on; the retry to the real server.
    const fetchFirstRefused: typeof fetch = (input, init) => {
      calls += 1;
      const url = String(input);
      return fetch(calls === 1 ? url.replace(server.url, refusedUrl) : url, init);
    };
    const core = new TollgateCore({
      apiKey: 'k',
      serverURL: server.url,
      retryConfig: fast,
      fetch: fetchFirstRefused,
    });
    const result = await chatSend(core, chat);
    assert.ok(result.ok, String(result.error));
    assert.equal(calls, 2);
    assert.equal(server.requests.length, 1);
  });

  test('a GET is retried after a reset connection, a POST is not', async (t) => {
    const server = await startScriptedServer((request, index) =>
      index === 0 || request.method === 'POST'
        ? { destroy: true }
        : { status: 200, body: generation },
    );
    t.after(() => server.close());
    const core = new TollgateCore({ apiKey: 'k', serverURL: server.url, retryConfig: fast });
    const get = await generationsGetGeneration(core, { id: 'gen-1' });
    assert.ok(get.ok, String(get.error));
    assert.equal(server.requests.length, 2, 'the reset GET was retried');
    const post = await chatSend(core, chat);
    assert.ok(!post.ok && post.error instanceof ConnectionError, String(post.error));
    assert.equal(post.error.notSent, false);
    assert.equal(server.requests.length, 3, 'the reset POST was not');
  });

  test('the per-call override { retries: none } sends once', async (t) => {
    const server = await startScriptedServer([{ status: 502, body: envelope(502) }]);
    t.after(() => server.close());
    const client = new Tollgate({ apiKey: 'k', serverURL: server.url, retryConfig: fast });
    await assert.rejects(
      client.generations.getGeneration({ id: 'gen-1' }, { retries: { strategy: 'none' } }),
      BadGatewayResponseError,
    );
    assert.equal(server.requests.length, 1);
    const refused = new TollgateCore({
      serverURL: `http://127.0.0.1:${await closedPort()}`,
      retryConfig: { strategy: 'backoff', retryConnectionErrors: false },
    });
    const result = await generationsGetGeneration(refused, { id: 'gen-1' });
    assert.ok(!result.ok && result.error instanceof ConnectionError);
  });
});
