import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ChatCompletionChunkSchema,
  ErrorEnvelopeSchema,
  GenerationRecordSchema,
} from '@tollgate/protocol';
import { createGate } from '../helpers/gate.js';
import { getGeneration, nextCommit, openStreamUntil, postJson, readSse } from '../helpers/http.js';
import { openAIChatCompletion, openAIStreamEvents } from '../helpers/openai-fixtures.js';
import {
  defaultTestConfig,
  startTestGateway,
  type TestGateway,
} from '../helpers/start-test-gateway.js';

const messages = [{ role: 'user', content: 'hi' }];

/** Asserts an OpenRouter error envelope with status = code, and returns it. */
async function expectError(response: Response, status: number, message?: RegExp) {
  assert.equal(response.status, status);
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  const envelope = ErrorEnvelopeSchema.parse(await response.json());
  assert.equal(envelope.error.code, status);
  if (message !== undefined) assert.match(envelope.error.message, message);
  return envelope;
}

/** Reads a record through the API, checked against the wire schema (extras kept). */
async function readRecord(harness: TestGateway, id: string) {
  const response = await getGeneration(harness.apiUrl, harness.key, id);
  assert.equal(response.status, 200);
  return GenerationRecordSchema.loose().parse(((await response.json()) as { data: unknown }).data);
}

describe('authentication', () => {
  let harness: TestGateway;
  before(async () => {
    harness = await startTestGateway({ countTokens: false });
  });
  after(() => harness.close());

  test('answers 401 without an Authorization header', async () => {
    const response = await postJson(harness.apiUrl, '/chat/completions', null, {
      model: 'test/model',
      messages,
    });
    await expectError(response, 401, /Missing Authentication header/);
  });

  test('answers 401 for an unknown key and for a non-bearer scheme', async () => {
    const unknown = await getGeneration(harness.apiUrl, 'sk-tg-v1-not-a-key', 'gen-1');
    await expectError(unknown, 401, /Invalid API key/);
    const basic = await fetch(`${harness.apiUrl}/generation?id=gen-1`, {
      headers: { authorization: 'Basic dXNlcjpwYXNz' },
    });
    await expectError(basic, 401, /Bearer/);
  });

  test("hides another key's generation as not found, while management keys read all", async () => {
    harness.upstream.route('/v1/chat/completions', {
      kind: 'json',
      body: openAIChatCompletion({ content: 'mine' }),
    });
    const made = await postJson(harness.apiUrl, '/chat/completions', harness.key, {
      model: 'test/model',
      messages,
    });
    const id = made.headers.get('x-generation-id') ?? '';
    await made.text();
    const created = await postJson(harness.apiUrl, '/keys', harness.key, { name: 'inference' });
    assert.equal(created.status, 201);
    const otherKey = ((await created.json()) as { key: string }).key;
    const foreign = await getGeneration(harness.apiUrl, otherKey, id);
    const missing = await getGeneration(
      harness.apiUrl,
      otherKey,
      'gen-0000000000-AAAAAAAAAAAAAAAAAAAA',
    );
    const foreignBody = await expectError(foreign, 404);
    const missingBody = await expectError(missing, 404);
    assert.equal(
      foreignBody.error.message.replace(id, 'ID'),
      missingBody.error.message.replace('gen-0000000000-AAAAAAAAAAAAAAAAAAAA', 'ID'),
      'a foreign id is indistinguishable from a missing one',
    );
    const own = await postJson(harness.apiUrl, '/chat/completions', otherKey, {
      model: 'test/model',
      messages,
    });
    const ownId = own.headers.get('x-generation-id') ?? '';
    await own.text();
    assert.equal((await getGeneration(harness.apiUrl, otherKey, ownId)).status, 200);
    assert.equal((await getGeneration(harness.apiUrl, harness.key, ownId)).status, 200);
  });
});

describe('bad input', () => {
  let harness: TestGateway;
  before(async () => {
    harness = await startTestGateway({ countTokens: false, bodyLimit: 64 * 1024 });
  });
  after(() => harness.close());

  const cases: Array<[string, unknown, number, RegExp]> = [
    ['malformed JSON', '{"model": "test/model", "messages": [', 400, /Malformed JSON/],
    ['an empty body', '', 400, /Missing request body/],
    ['a JSON array body', '[1,2]', 400, /request body/],
    ['messages that is not an array', { model: 'test/model', messages: 'hi' }, 400, /messages/],
    ['an empty messages array', { model: 'test/model', messages: [] }, 400, /messages/],
    [
      'a bad role',
      { model: 'test/model', messages: [{ role: 'wizard', content: 'x' }] },
      400,
      /messages\[0\]\.role/,
    ],
    [
      'a numeric content',
      { model: 'test/model', messages: [{ role: 'user', content: 5 }] },
      400,
      /messages\[0\]\.content/,
    ],
    ['a missing model', { messages }, 400, /model/],
    ['a negative max_tokens', { model: 'test/model', messages, max_tokens: -1 }, 400, /max_tokens/],
    [
      'a fractional max_tokens',
      { model: 'test/model', messages, max_tokens: 1.5 },
      400,
      /max_tokens/,
    ],
    ['a string stream flag', { model: 'test/model', messages, stream: 'yes' }, 400, /stream/],
    [
      'a temperature out of range',
      { model: 'test/model', messages, temperature: 9 },
      400,
      /temperature/,
    ],
    ['n greater than 1', { model: 'test/model', messages, n: 3 }, 400, /\bn\b/],
    ['an unknown model', { model: 'nobody/nothing', messages }, 404, /nobody\/nothing/],
  ];
  for (const [what, body, status, message] of cases) {
    test(`answers ${status} naming the problem for ${what}`, async () => {
      const before = harness.upstream.requests.length;
      const response = await postJson(harness.apiUrl, '/chat/completions', harness.key, body);
      await expectError(response, status, message);
      assert.equal(harness.upstream.requests.length, before, 'nothing reached the upstream');
    });
  }

  test('parses a JSON body sent without a JSON Content-Type (curl -d)', async () => {
    harness.upstream.route('/v1/chat/completions', {
      kind: 'json',
      body: openAIChatCompletion({ content: 'ok' }),
    });
    const response = await postJson(
      harness.apiUrl,
      '/chat/completions',
      harness.key,
      { model: 'test/model', messages },
      { 'content-type': 'application/x-www-form-urlencoded' },
    );
    assert.equal(response.status, 200);
    await response.text();
  });

  test('answers 413 for a body over the limit', async () => {
    const response = await postJson(harness.apiUrl, '/chat/completions', harness.key, {
      model: 'test/model',
      messages: [{ role: 'user', content: 'x'.repeat(100 * 1024) }],
    });
    await expectError(response, 413, /too large/);
  });

  test('answers 400 for a lookup without id and 404 for an unknown or absurd id', async () => {
    const noId = await fetch(`${harness.apiUrl}/generation`, {
      headers: { authorization: `Bearer ${harness.key}` },
    });
    await expectError(noId, 400, /id/);
    await expectError(await getGeneration(harness.apiUrl, harness.key, 'gen-nope'), 404);
    await expectError(await getGeneration(harness.apiUrl, harness.key, 'x'.repeat(5000)), 404);
  });

  test('answers 404 in the envelope for an unknown route', async () => {
    const response = await fetch(`${harness.apiUrl}/nothing-here`);
    await expectError(response, 404, /Not found: GET \/api\/v1\/nothing-here/);
  });
});

describe('upstream failures', () => {
  let harness: TestGateway;
  before(async () => {
    harness = await startTestGateway({
      config: (url) => {
        const config = defaultTestConfig(url, 300) as { providers: unknown[]; models: unknown[] };
        config.providers.push({ name: 'Gone', kind: 'openai', base_url: 'http://127.0.0.1:9/v1' });
        config.models.push({
          id: 'test/unreachable',
          endpoints: [
            {
              provider: 'Gone',
              model: 'm',
              pricing: { prompt: '0.000001', completion: '0.000001' },
            },
          ],
        });
        return config;
      },
    });
  });
  after(() => harness.close());

  test('maps an upstream 500 to 502 with the provider and raw body, and records it unbilled', async () => {
    harness.upstream.route('/v1/chat/completions', {
      kind: 'json',
      status: 500,
      body: { error: { message: 'upstream exploded', type: 'server_error' } },
    });
    const response = await postJson(harness.apiUrl, '/chat/completions', harness.key, {
      model: 'test/model',
      messages,
    });
    const id = response.headers.get('x-generation-id') ?? '';
    const envelope = await expectError(response, 502, /upstream exploded/);
    assert.equal(envelope.error.metadata?.['provider_name'], 'Acme');
    assert.match(String(envelope.error.metadata?.['raw']), /upstream exploded/);
    const record = await readRecord(harness, id);
    assert.equal(record['finish_reason'], 'error');
    assert.equal(record['total_cost'], 0);
    assert.equal(record.provider_responses?.[0]?.status, 500);
  });

  test('passes an upstream 429 on with its Retry-After', async () => {
    harness.upstream.route('/v1/chat/completions', {
      kind: 'json',
      status: 429,
      headers: { 'retry-after': '7' },
      body: { error: { message: 'slow down' } },
    });
    const response = await postJson(harness.apiUrl, '/chat/completions', harness.key, {
      model: 'test/model',
      messages,
    });
    assert.equal(response.headers.get('retry-after'), '7');
    await expectError(response, 429, /slow down/);
  });

  test('keeps an upstream 400 a 400 (the request itself is at fault)', async () => {
    harness.upstream.route('/v1/chat/completions', {
      kind: 'json',
      status: 400,
      body: { error: { message: 'context length exceeded' } },
    });
    const response = await postJson(harness.apiUrl, '/chat/completions', harness.key, {
      model: 'test/model',
      messages,
    });
    await expectError(response, 400, /context length exceeded/);
  });

  test('answers 524 when the upstream does not answer in time, and records the attempt', async () => {
    harness.upstream.route('/v1/chat/completions', { kind: 'hang' });
    const response = await postJson(harness.apiUrl, '/chat/completions', harness.key, {
      model: 'test/model',
      messages,
    });
    const id = response.headers.get('x-generation-id') ?? '';
    await expectError(response, 524, /timed out/);
    const record = await readRecord(harness, id);
    assert.equal(record.provider_responses?.[0]?.status, null);
    assert.equal(record['finish_reason'], 'error');
  });

  test('answers 502 when the upstream cannot be reached', async () => {
    const response = await postJson(harness.apiUrl, '/chat/completions', harness.key, {
      model: 'test/unreachable',
      messages,
    });
    const envelope = await expectError(response, 502, /unreachable/i);
    assert.equal(envelope.error.metadata?.['provider_name'], 'Gone');
  });

  test('answers 502 for an upstream body that is not JSON', async () => {
    harness.upstream.route('/v1/chat/completions', {
      kind: 'raw',
      status: 200,
      body: '<html>oops</html>',
      headers: { 'content-type': 'text/html' },
    });
    const response = await postJson(harness.apiUrl, '/chat/completions', harness.key, {
      model: 'test/model',
      messages,
    });
    await expectError(response, 502, /invalid response/);
  });

  test('ends a stream that fails midway with an error chunk and records finish_reason error', async () => {
    const events = openAIStreamEvents({ contents: ['partial'], usage: null });
    harness.upstream.route('/v1/chat/completions', {
      kind: 'sse',
      events: [events[0] as object, events[1] as object, '{"id":"x","choices":[{"index":0,"delt'],
    });
    const response = await postJson(harness.apiUrl, '/chat/completions', harness.key, {
      model: 'test/model',
      messages,
      stream: true,
    });
    assert.equal(response.status, 200);
    const id = response.headers.get('x-generation-id') ?? '';
    const sse = await readSse(response);
    assert.equal(sse.done, false, 'no [DONE] after an error');
    const last = ChatCompletionChunkSchema.parse(sse.chunks.at(-1));
    assert.equal(last.id, id);
    assert.equal(last.error?.code, 502);
    assert.equal(last.error?.metadata?.error_type, 'provider_unavailable');
    assert.equal(last.choices[0]?.finish_reason, 'error');
    const record = await readRecord(harness, id);
    assert.equal(record['finish_reason'], 'error');
    assert.equal(record['streamed'], true);
  });

  test('records a stream the client abandons as cancelled, billed for what was produced', async () => {
    const gate = createGate();
    harness.upstream.route('/v1/chat/completions', {
      kind: 'sse',
      events: openAIStreamEvents({
        contents: ['one two three four', ' five'],
        usage: { prompt_tokens: 9, completion_tokens: 5 },
      }),
      gate: gate.opened,
      gateAfter: 2,
    });
    const stream = await openStreamUntil(
      harness.apiUrl,
      harness.key,
      { model: 'test/model', messages, stream: true },
      'one two three four',
    );
    const committed = nextCommit(harness.gateway, (row) => row.id === stream.generationId);
    stream.abandon();
    const row = await committed;
    gate.open();
    assert.equal(row.cancelled, true);
    const record = GenerationRecordSchema.loose().parse(JSON.parse(row.record));
    assert.equal(record.cancelled, true);
    assert.equal(record['native_tokens_estimated'], true);
    assert.ok((record.native_tokens_completion ?? 0) > 0, 'tokens produced so far are counted');
    assert.ok(record.total_cost > 0, 'what was produced is billed');
  });
});
