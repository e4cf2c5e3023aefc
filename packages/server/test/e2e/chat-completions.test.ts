import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ChatCompletionSchema, GenerationRecordSchema } from '@tollgate/protocol';
import { createGate } from '../helpers/gate.js';
import { getGeneration, postJson, readSse } from '../helpers/http.js';
import { openAIChatCompletion, openAIStreamEvents } from '../helpers/openai-fixtures.js';
import {
  defaultTestConfig,
  startTestGateway,
  startTestGatewayFor,
  type TestGateway,
} from '../helpers/start-test-gateway.js';

const GENERATION_ID = /^gen-\d{10}-[A-Za-z0-9]{20}$/;
const messages = [{ role: 'user', content: 'Say hello' }];

describe('POST /api/v1/chat/completions', () => {
  let harness: TestGateway;
  before(async () => {
    harness = await startTestGateway();
  });
  after(() => harness.close());

  test('answers a non-stream completion in OpenRouter shape and its record is readable at once', async () => {
    harness.upstream.route('/v1/chat/completions', {
      kind: 'json',
      body: openAIChatCompletion({
        content: 'Hello!',
        id: 'chatcmpl-upstream-1',
        usage: { prompt_tokens: 12, completion_tokens: 7 },
      }),
    });
    const response = await postJson(
      harness.apiUrl,
      '/chat/completions',
      harness.key,
      {
        model: 'test/model',
        messages,
        user: 'customer-42',
        session_id: 'session-9',
      },
      { 'http-referer': 'https://app.example/', 'user-agent': 'probe/1.0' },
    );
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    const body = ChatCompletionSchema.parse(await response.json());
    assert.match(body.id, GENERATION_ID);
    assert.equal(response.headers.get('x-generation-id'), body.id);
    assert.equal(body.provider, 'Acme');
    assert.equal(body.model, 'test/model');
    assert.equal(body.object, 'chat.completion');
    assert.ok(Number.isInteger(body.created));
    assert.ok('system_fingerprint' in body);
    assert.deepEqual(body.choices[0]?.message, {
      role: 'assistant',
      content: 'Hello!',
      refusal: null,
      reasoning: null,
    });
    assert.equal(body.choices[0]?.finish_reason, 'stop');
    assert.equal(body.choices[0]?.native_finish_reason, 'stop');
    assert.equal(body.usage.prompt_tokens, 12);
    assert.equal(body.usage.completion_tokens, 7);
    assert.equal(body.usage.total_tokens, 19);
    assert.equal(body.usage.prompt_tokens_details.cached_tokens, 0);
    assert.equal(body.usage.completion_tokens_details.reasoning_tokens, 0);
    // 12 × $0.000001 + 7 × $0.000002, computed in integers.
    assert.equal(body.usage.cost, 0.000026);

    const lookup = await getGeneration(harness.apiUrl, harness.key, body.id);
    assert.equal(lookup.status, 200);
    const text = await lookup.text();
    const record = GenerationRecordSchema.parse(JSON.parse(text).data);
    assert.equal(record.id, body.id);
    assert.equal(record.total_cost, body.usage.cost);
    assert.equal(record.usage, body.usage.cost);
    assert.equal(record.upstream_id, 'chatcmpl-upstream-1');
    assert.equal(record.provider_name, 'Acme');
    assert.equal(record.streamed, false);
    assert.equal(record.cancelled, false);
    assert.equal(record.native_tokens_prompt, 12);
    assert.equal(record.native_tokens_completion, 7);
    assert.ok((record.tokens_prompt ?? 0) > 0, 'normalized prompt tokens are counted');
    assert.ok((record.tokens_completion ?? 0) > 0, 'normalized completion tokens are counted');
    assert.equal(record.finish_reason, 'stop');
    assert.equal(record.external_user, 'customer-42');
    assert.equal(record.session_id, 'session-9');
    assert.equal(record.origin, 'https://app.example/');
    assert.equal(record.http_referer, 'https://app.example/');
    assert.equal(record.user_agent, 'probe/1.0');
    assert.equal(record.api_type, 'completions');
    assert.equal(record.data_region, 'global');
    assert.match(record.request_id ?? '', /^req-\d{10}-[A-Za-z0-9]{20}$/);
    assert.equal(record.provider_responses?.length, 1);
    assert.equal(record.provider_responses?.[0]?.status, 200);
    assert.equal(record.provider_responses?.[0]?.id, 'chatcmpl-upstream-1');
    const again = await getGeneration(harness.apiUrl, harness.key, body.id);
    assert.equal(await again.text(), text, 'the record never changes after the first read');
  });

  test('sends the upstream only what it should: its model name, its key, no gateway fields', async () => {
    harness.upstream.route('/v1/chat/completions', {
      kind: 'json',
      body: openAIChatCompletion({ content: 'ok' }),
    });
    const before = harness.upstream.requests.length;
    const response = await postJson(harness.apiUrl, '/chat/completions', harness.key, {
      model: 'test/model',
      messages,
      temperature: 0.2,
      models: ['test/model'],
      provider: { sort: 'price' },
      usage: { include: true },
      session_id: 'abc',
      vendor_extension: { keep: true },
    });
    assert.equal(response.status, 200);
    const sent = harness.upstream.requests[before];
    assert.ok(sent);
    const body = sent.body as Record<string, unknown>;
    assert.equal(body['model'], 'upstream-model-1');
    assert.equal(body['temperature'], 0.2);
    assert.deepEqual(body['vendor_extension'], { keep: true });
    for (const field of ['models', 'provider', 'usage', 'session_id']) {
      assert.equal(field in body, false, `${field} is not forwarded`);
    }
    assert.equal(sent.headers['authorization'], 'Bearer sk-upstream-secret');
  });

  test('streams chunks, then a usage chunk, commits the record, then [DONE]', async () => {
    harness.upstream.route('/v1/chat/completions', {
      kind: 'sse',
      events: openAIStreamEvents({
        contents: ['Hel', 'lo', ' world'],
        usage: { prompt_tokens: 20, completion_tokens: 3 },
      }),
    });
    const before = harness.upstream.requests.length;
    const response = await postJson(harness.apiUrl, '/chat/completions', harness.key, {
      model: 'test/model',
      messages,
      stream: true,
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    const id = response.headers.get('x-generation-id') ?? '';
    assert.match(id, GENERATION_ID);
    const sse = await readSse(response);
    assert.equal(sse.done, true, 'the stream ends with data: [DONE]');
    for (const chunk of sse.chunks) {
      assert.equal(chunk['id'], id);
      assert.equal(chunk['object'], 'chat.completion.chunk');
      assert.equal(chunk['model'], 'test/model');
      assert.equal(chunk['provider'], 'Acme');
      assert.ok(Number.isInteger(chunk['created']));
      assert.notEqual(chunk['system_fingerprint'], null);
      assert.notEqual(chunk['usage'], null);
    }
    const contentChunks = sse.chunks.filter((chunk) => (chunk['choices'] as unknown[]).length > 0);
    const content = contentChunks
      .map(
        (chunk) =>
          (chunk['choices'] as Array<{ delta: { content?: string } }>)[0]?.delta.content ?? '',
      )
      .join('');
    assert.equal(content, 'Hello world');
    const lastContent = contentChunks.at(-1)?.['choices'] as Array<{ finish_reason: string }>;
    assert.equal(lastContent[0]?.finish_reason, 'stop');
    const usageChunk = sse.chunks.at(-1) as { choices: unknown[]; usage: Record<string, number> };
    assert.deepEqual(usageChunk.choices, []);
    assert.equal(usageChunk.usage['prompt_tokens'], 20);
    assert.equal(usageChunk.usage['cost'], 0.000026);
    const upstreamBody = harness.upstream.requests[before]?.body as Record<string, unknown>;
    assert.deepEqual(upstreamBody['stream_options'], { include_usage: true });

    const lookup = await getGeneration(harness.apiUrl, harness.key, id);
    assert.equal(lookup.status, 200);
    const record = ((await lookup.json()) as { data: Record<string, unknown> }).data;
    assert.equal(record['streamed'], true);
    assert.equal(record['cancelled'], false);
    assert.equal(record['total_cost'], usageChunk.usage['cost']);
    assert.equal(record['native_tokens_completion'], 3);
    assert.equal(typeof record['latency'], 'number');
    assert.equal(typeof record['generation_time'], 'number');
  });

  test('reads a stream past its end marker: the upstream response is not cut, its socket stays reusable', async () => {
    // The upstream sends every event, [DONE] included, and ends its body only once the gate opens
    // (a real provider's last chunk and the end of its body often come in separate packets).
    const gate = createGate();
    harness.upstream.route('/v1/chat/completions', {
      kind: 'sse',
      events: openAIStreamEvents({
        contents: ['Hi'],
        usage: { prompt_tokens: 2, completion_tokens: 1 },
      }),
      gate: gate.opened,
      gateAfter: Number.POSITIVE_INFINITY,
    });
    await harness.upstream.settled();
    const response = await postJson(harness.apiUrl, '/chat/completions', harness.key, {
      model: 'test/model',
      messages,
      stream: true,
    });
    const sse = await readSse(response);
    assert.equal(sse.done, true);
    // The client has [DONE] and the record is committed; destroying the upstream body at the
    // marker would have closed the upstream socket (and aborted this response) long before.
    assert.equal(harness.upstream.openRequests, 1, 'the upstream response is still being read');
    const connections = harness.upstream.connections;
    gate.open();
    await harness.upstream.settled();
    assert.equal(harness.upstream.connections, connections);
  });

  // The guard: without the cut, the upstream request would stay open for the whole timeout.
  test('an upstream that goes on sending after its end marker is cut off after 64 KiB more', {
    timeout: 60_000,
  }, async (t) => {
    // A timeout far longer than the test: only the 64 KiB cut can close the upstream request.
    const own = await startTestGatewayFor(t, {
      config: (url) => defaultTestConfig(url, 10 * 60_000),
    });
    const never = createGate();
    t.after(() => never.open());
    own.upstream.route('/v1/chat/completions', {
      kind: 'sse',
      events: [
        ...openAIStreamEvents({
          contents: ['Hi'],
          usage: { prompt_tokens: 2, completion_tokens: 1 },
        }),
        // 256 KiB of whatever after [DONE], then the body stays open.
        ...Array.from({ length: 4 }, () => 'x'.repeat(64 * 1024)),
      ],
      gate: never.opened,
      gateAfter: Number.POSITIVE_INFINITY,
    });
    const response = await postJson(own.apiUrl, '/chat/completions', own.key, {
      model: 'test/model',
      messages,
      stream: true,
    });
    assert.equal((await readSse(response)).done, true);
    // The gateway stops reading past 64 KiB and closes that upstream request: it settles although
    // the upstream never ends it.
    await own.upstream.settled();
    assert.equal(own.upstream.openRequests, 0);
  });

  test('decides streaming from body.stream alone, never from the Accept header', async () => {
    harness.upstream.route('/v1/chat/completions', (request) =>
      (request.body as { stream?: boolean }).stream === true
        ? { kind: 'sse', events: openAIStreamEvents({ contents: ['a'] }) }
        : { kind: 'json', body: openAIChatCompletion({ content: 'a' }) },
    );
    const json = await postJson(
      harness.apiUrl,
      '/chat/completions',
      harness.key,
      { model: 'test/model', messages },
      { accept: 'text/event-stream' },
    );
    assert.match(json.headers.get('content-type') ?? '', /^application\/json/);
    await json.body?.cancel();
    const stream = await postJson(
      harness.apiUrl,
      '/chat/completions',
      harness.key,
      { model: 'test/model', messages, stream: true },
      { accept: 'application/json' },
    );
    assert.match(stream.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.equal((await readSse(stream)).done, true);
  });

  test('never answers a lookup with 404 right after the response, under concurrency', async () => {
    harness.upstream.route('/v1/chat/completions', (request) =>
      (request.body as { stream?: boolean }).stream === true
        ? { kind: 'sse', events: openAIStreamEvents({ contents: ['x'] }) }
        : { kind: 'json', body: openAIChatCompletion({ content: 'x' }) },
    );
    const statuses = await Promise.all(
      Array.from({ length: 40 }, async (_, index) => {
        const stream = index % 2 === 0;
        const response = await postJson(harness.apiUrl, '/chat/completions', harness.key, {
          model: 'test/model',
          messages,
          stream,
        });
        const id = response.headers.get('x-generation-id') ?? '';
        await response.text();
        return (await getGeneration(harness.apiUrl, harness.key, id)).status;
      }),
    );
    assert.deepEqual(new Set(statuses), new Set([200]));
  });
});
