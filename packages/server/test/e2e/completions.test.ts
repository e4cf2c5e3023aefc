/**
 * Legacy `POST /api/v1/completions` end to end: the `openai` client's `completions.create`,
 * non-stream and stream, against the gateway and a fake OpenAI-compatible upstream, and the
 * generation record each call leaves.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type GenerationRecord,
  GenerationRecordSchema,
  TextCompletionChunkSchema,
  TextCompletionSchema,
} from '@tollgate/protocol';
import OpenAI from 'openai';
import { getGeneration, postJson, readSse } from '../helpers/http.js';
import {
  defaultTestConfig,
  startTestGateway,
  type TestGateway,
} from '../helpers/start-test-gateway.js';

const MODEL = 'test/model';
const GENERATION_ID = /^gen-\d{10}-[A-Za-z0-9]{20}$/;
const PROMPT = 'Say this is a test';
const CREATED = 1_735_689_600;

/** The default test model, plus one served only by an Anthropic-protocol provider. */
function completionsConfig(upstreamUrl: string): unknown {
  const config = defaultTestConfig(upstreamUrl) as { providers: object[]; models: object[] };
  return {
    providers: [
      ...config.providers,
      { name: 'Claude House', kind: 'anthropic', base_url: `${upstreamUrl}/anthropic` },
    ],
    models: [
      ...config.models,
      {
        id: 'test/chat-only',
        endpoints: [
          {
            provider: 'Claude House',
            model: 'claude-test',
            pricing: { prompt: '0.000003', completion: '0.000015' },
          },
        ],
      },
    ],
  };
}

/** OpenAI's `/v1/completions` body (as gpt-3.5-turbo-instruct answers), one choice per text. */
function openAITextCompletion(texts: string[], finishReason: string, usage: [number, number]) {
  return {
    id: 'cmpl-fixture0123456789',
    object: 'text_completion',
    created: CREATED,
    model: 'gpt-3.5-turbo-instruct',
    system_fingerprint: 'fp_fixture',
    choices: texts.map((text, index) => ({
      text,
      index,
      logprobs: null,
      finish_reason: finishReason,
    })),
    usage: {
      prompt_tokens: usage[0],
      completion_tokens: usage[1],
      total_tokens: usage[0] + usage[1],
    },
  };
}

/** OpenAI's legacy stream with `include_usage`: text chunks, a finish chunk, usage, `[DONE]`. */
function openAITextStream(texts: string[], usage: [number, number]): Array<object | string> {
  const chunk = (text: string, finishReason: string | null) => ({
    id: 'cmpl-fixture0123456789',
    object: 'text_completion',
    created: CREATED,
    model: 'gpt-3.5-turbo-instruct',
    system_fingerprint: 'fp_fixture',
    choices: [{ text, index: 0, logprobs: null, finish_reason: finishReason }],
    usage: null,
  });
  return [
    ...texts.map((text) => chunk(text, null)),
    chunk('', 'stop'),
    {
      ...chunk('', null),
      choices: [],
      usage: {
        prompt_tokens: usage[0],
        completion_tokens: usage[1],
        total_tokens: usage[0] + usage[1],
      },
    },
    '[DONE]',
  ];
}

async function fetchRecord(harness: TestGateway, id: string): Promise<GenerationRecord> {
  const response = await getGeneration(harness.apiUrl, harness.key, id);
  assert.equal(response.status, 200, `GET /generation?id=${id}`);
  return GenerationRecordSchema.parse(((await response.json()) as { data: unknown }).data);
}

describe('POST /api/v1/completions', () => {
  let harness: TestGateway;
  let client: OpenAI;
  before(async () => {
    harness = await startTestGateway({ config: completionsConfig });
    client = new OpenAI({ apiKey: harness.key, baseURL: harness.apiUrl, maxRetries: 0 });
  });
  after(() => harness.close());

  test('answers a non-stream completion in OpenRouter shape, metered exactly', async () => {
    harness.upstream.route('/v1/completions', {
      kind: 'json',
      body: openAITextCompletion(['\n\nThis is indeed a test'], 'length', [5, 7]),
    });
    const { data, response } = await client.completions
      .create({ model: MODEL, prompt: PROMPT, max_tokens: 7, user: 'customer-3' })
      .withResponse();
    const sent = harness.upstream.requests.at(-1);
    assert.equal(sent?.path, '/v1/completions');
    assert.equal(sent?.headers['authorization'], 'Bearer sk-upstream-secret');
    const upstreamBody = sent?.body as Record<string, unknown>;
    assert.equal(upstreamBody['model'], 'upstream-model-1');
    assert.equal(upstreamBody['prompt'], PROMPT);
    assert.equal(upstreamBody['max_tokens'], 7);

    const body = TextCompletionSchema.parse(data);
    assert.match(body.id, GENERATION_ID);
    assert.equal(response.headers.get('x-generation-id'), body.id);
    assert.equal(body.object, 'text_completion');
    assert.equal(body.model, MODEL);
    assert.equal(body.provider, 'Acme');
    assert.equal(body.system_fingerprint, 'fp_fixture');
    assert.deepEqual(body.choices, [
      {
        index: 0,
        text: '\n\nThis is indeed a test',
        finish_reason: 'length',
        native_finish_reason: 'length',
        logprobs: null,
      },
    ]);
    assert.equal(body.usage.prompt_tokens, 5);
    assert.equal(body.usage.completion_tokens, 7);
    // 5 × $0.000001 + 7 × $0.000002, computed in integers.
    assert.equal(body.usage.cost, 0.000019);

    const record = await fetchRecord(harness, body.id);
    assert.equal(record.api_type, 'completions');
    assert.equal(record.total_cost, 0.000019);
    assert.equal(record.usage, body.usage.cost);
    assert.equal(record.upstream_id, 'cmpl-fixture0123456789');
    assert.equal(record.native_tokens_prompt, 5);
    assert.equal(record.native_tokens_completion, 7);
    assert.ok((record.tokens_prompt ?? 0) > 0, 'the prompt text is counted');
    assert.ok((record.tokens_completion ?? 0) > 0, 'the completion text is counted');
    assert.equal(record.finish_reason, 'length');
    assert.equal(record.native_finish_reason, 'length');
    assert.equal(record.streamed, false);
    assert.equal(record.cancelled, false);
    assert.equal(record.external_user, 'customer-3');
    assert.equal(record.provider_name, 'Acme');
  });

  test('streams text chunks, then usage; the record is committed before [DONE]', async () => {
    harness.upstream.route('/v1/completions', {
      kind: 'sse',
      events: openAITextStream(['This', ' is', ' a test'], [5, 3]),
    });
    const stream = await client.completions.create({ model: MODEL, prompt: PROMPT, stream: true });
    let text = '';
    let usage: Record<string, unknown> | undefined;
    let record: GenerationRecord | undefined;
    const ids = new Set<string>();
    for await (const chunk of stream) {
      ids.add(chunk.id);
      assert.equal(chunk.object, 'text_completion');
      text += chunk.choices.map((choice) => choice.text).join('');
      if (chunk.usage !== undefined && chunk.usage !== null) {
        usage = chunk.usage as unknown as Record<string, unknown>;
        // Still inside the stream: [DONE] has not been read yet, the record must be there.
        record = await fetchRecord(harness, chunk.id);
      }
    }
    assert.equal(text, 'This is a test');
    assert.equal(ids.size, 1);
    const [id] = [...ids];
    assert.match(id ?? '', GENERATION_ID);
    assert.equal(usage?.['prompt_tokens'], 5);
    assert.equal(usage?.['completion_tokens'], 3);
    // 5 × $0.000001 + 3 × $0.000002
    assert.equal(usage?.['cost'], 0.000011);
    assert.equal(record?.total_cost, 0.000011);
    assert.equal(record?.streamed, true);
    assert.equal(record?.finish_reason, 'stop');
    assert.equal(record?.api_type, 'completions');
    const upstreamBody = harness.upstream.requests.at(-1)?.body as Record<string, unknown>;
    assert.deepEqual(upstreamBody['stream_options'], { include_usage: true });
  });

  test('the stream is OpenRouter-shaped on the wire: chunks, a usage chunk with no choices, [DONE]', async () => {
    harness.upstream.route('/v1/completions', {
      kind: 'sse',
      events: openAITextStream(['Hello'], [4, 1]),
    });
    const response = await postJson(harness.apiUrl, '/completions', harness.key, {
      model: MODEL,
      prompt: 'Hi',
      stream: true,
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    const sse = await readSse(response);
    assert.equal(sse.done, true);
    const chunks = sse.chunks.map((chunk) => TextCompletionChunkSchema.parse(chunk));
    for (const chunk of chunks) {
      assert.equal(chunk.id, response.headers.get('x-generation-id'));
      assert.equal(chunk.provider, 'Acme');
      assert.equal(chunk.model, MODEL);
    }
    const last = chunks.at(-1);
    assert.deepEqual(last?.choices, []);
    assert.equal(last?.usage?.total_tokens, 5);
    assert.equal(chunks.at(-2)?.choices[0]?.finish_reason, 'stop');
  });

  test('a prompt array gets one choice per prompt', async () => {
    harness.upstream.route('/v1/completions', {
      kind: 'json',
      body: openAITextCompletion(['one', 'two'], 'stop', [6, 2]),
    });
    const result = await client.completions.create({ model: MODEL, prompt: ['first', 'second'] });
    assert.deepEqual(harness.upstream.requests.at(-1)?.body, {
      model: 'upstream-model-1',
      prompt: ['first', 'second'],
    });
    assert.deepEqual(
      result.choices.map((choice) => [choice.index, choice.text]),
      [
        [0, 'one'],
        [1, 'two'],
      ],
    );
  });

  test('an error mid-stream ends the stream with an error chunk and an `error` record', async () => {
    harness.upstream.route('/v1/completions', {
      kind: 'sse',
      events: [openAITextStream(['Hel'], [4, 1])[0] as object, { error: { message: 'boom' } }],
    });
    const response = await postJson(harness.apiUrl, '/completions', harness.key, {
      model: MODEL,
      prompt: 'Hi',
      stream: true,
    });
    const sse = await readSse(response);
    assert.equal(sse.done, false);
    const last = TextCompletionChunkSchema.parse(sse.chunks.at(-1));
    assert.equal(last.error?.message, 'boom');
    assert.deepEqual(last.choices, [{ index: 0, text: '', finish_reason: 'error' }]);
    const record = await fetchRecord(harness, response.headers.get('x-generation-id') ?? '');
    assert.equal(record.finish_reason, 'error');
    assert.equal(record.total_cost, 0);
  });

  test('a limited key sends the output bound it held upstream as max_tokens', async () => {
    harness.upstream.route('/v1/completions', {
      kind: 'json',
      body: openAITextCompletion(['ok'], 'stop', [3, 1]),
    });
    const created = await postJson(harness.apiUrl, '/keys', harness.key, {
      name: 'limited',
      limit: 1,
    });
    const { key } = (await created.json()) as { key: string };
    const response = await postJson(harness.apiUrl, '/completions', key, {
      model: MODEL,
      prompt: 'Hi',
    });
    assert.equal(response.status, 200);
    const upstreamBody = harness.upstream.requests.at(-1)?.body as Record<string, unknown>;
    assert.equal(upstreamBody['max_tokens'], 4096);
  });

  const refusals: Array<{ name: string; body: unknown; message: RegExp }> = [
    { name: 'a missing prompt', body: { model: MODEL }, message: /prompt: `prompt` is required/ },
    { name: 'a numeric prompt', body: { model: MODEL, prompt: 5 }, message: /prompt/ },
    { name: 'an empty prompt list', body: { model: MODEL, prompt: [] }, message: /prompt.*empty/ },
    { name: 'n above 1', body: { model: MODEL, prompt: 'x', n: 2 }, message: /n: only/ },
  ];
  for (const { name, body, message } of refusals) {
    test(`answers 400 naming the field for ${name}`, async () => {
      const before = harness.upstream.requests.length;
      const response = await postJson(harness.apiUrl, '/completions', harness.key, body);
      assert.equal(response.status, 400);
      const error = ((await response.json()) as { error: { message: string } }).error;
      assert.match(error.message, message);
      assert.equal(harness.upstream.requests.length, before);
    });
  }

  test('answers 404 when only non-OpenAI endpoints serve the model', async () => {
    const before = harness.upstream.requests.length;
    const response = await postJson(harness.apiUrl, '/completions', harness.key, {
      model: 'test/chat-only',
      prompt: 'Hi',
    });
    assert.equal(response.status, 404);
    const error = ((await response.json()) as { error: { message: string } }).error;
    assert.match(error.message, /^No endpoints found/);
    assert.equal(harness.upstream.requests.length, before);
  });
});
