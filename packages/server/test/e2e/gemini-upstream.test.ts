/**
 * `kind: gemini` end to end: the unmodified `openai` client talks to the gateway over loopback,
 * and the gateway talks to a fake Gemini API (a real HTTP server) serving Gemini-shaped bodies.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type GenerationRecord, GenerationRecordSchema } from '@tollgate/protocol';
import OpenAI from 'openai';
import type {
  ChatCompletionChunk,
  ChatCompletionMessageParam,
  ChatCompletionTool,
} from 'openai/resources';
import {
  cachedThinkingResponse,
  functionCallResponse,
  quotaExceededError,
  streamEvents,
  textResponse,
} from '../../src/providers/gemini/__fixtures__/gemini-responses.js';
import { getGeneration } from '../helpers/http.js';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

const MODEL = 'google/gemini-test';
const PROVIDER = 'Google AI Studio';
const GENERATE = '/v1beta/models/gemini-test-1:generateContent';
const STREAM = '/v1beta/models/gemini-test-1:streamGenerateContent';

/**
 * The fixtures' usage: 2000 prompt tokens of which 1500 cached, 100 candidate + 300 thought
 * tokens. At $1.25/M prompt, $0.3125/M cache read and $10/M completion (no reasoning price, so
 * thoughts are completion): 500 × 0.00000125 + 1500 × 0.0000003125 + 400 × 0.00001
 * = 0.000625 + 0.00046875 + 0.004 = 0.00509375 USD.
 */
const EXPECTED_COST = 0.00509375;
/** 1500 cached tokens × (0.00000125 − 0.0000003125) saved. */
const EXPECTED_CACHE_DISCOUNT = 0.00140625;

type OpenRouterUsage = NonNullable<ChatCompletionChunk['usage']> & { cost?: number };

const messages: ChatCompletionMessageParam[] = [
  { role: 'system', content: 'You read contracts.' },
  { role: 'user', content: 'What caps liability?' },
];

function geminiConfig(url: string): unknown {
  return {
    providers: [{ name: PROVIDER, kind: 'gemini', base_url: `${url}/v1beta`, api_key: 'g-test' }],
    models: [
      {
        id: MODEL,
        endpoints: [
          {
            provider: PROVIDER,
            model: 'gemini-test-1',
            pricing: {
              prompt: '0.00000125',
              completion: '0.00001',
              input_cache_read: '0.0000003125',
            },
          },
        ],
      },
    ],
  };
}

async function fetchRecord(harness: TestGateway, id: string): Promise<GenerationRecord> {
  const response = await getGeneration(harness.apiUrl, harness.key, id);
  assert.equal(response.status, 200, `GET /generation?id=${id}`);
  const body = (await response.json()) as { data: unknown };
  return GenerationRecordSchema.parse(body.data);
}

function assertBilledRecord(record: GenerationRecord): void {
  assert.equal(record.total_cost, EXPECTED_COST);
  assert.equal(record.usage, EXPECTED_COST);
  assert.equal(record.cache_discount, EXPECTED_CACHE_DISCOUNT);
  assert.equal(record.native_tokens_prompt, 2000);
  assert.equal(record.native_tokens_completion, 400);
  assert.equal(record.native_tokens_reasoning, 300);
  assert.equal(record.native_tokens_cached, 1500);
  assert.equal(record.provider_name, PROVIDER);
  assert.equal(record.finish_reason, 'stop');
  assert.equal(record.native_finish_reason, 'STOP');
}

describe('kind: gemini upstream', () => {
  let harness: TestGateway;
  let client: OpenAI;
  before(async () => {
    harness = await startTestGateway({ config: geminiConfig });
    client = new OpenAI({ apiKey: harness.key, baseURL: harness.apiUrl, maxRetries: 0 });
  });
  after(() => harness.close());

  test('answers a non-stream request and bills cached and thinking tokens exactly', async () => {
    harness.upstream.route(GENERATE, { kind: 'json', body: cachedThinkingResponse });
    const before = harness.upstream.requests.length;
    const completion = await client.chat.completions.create({
      model: MODEL,
      messages,
      temperature: 0.2,
      max_tokens: 512,
    });
    assert.equal(
      completion.choices[0]?.message.content,
      'Section 4.2 caps liability at twelve months of fees.',
    );
    assert.equal(completion.choices[0]?.finish_reason, 'stop');
    assert.equal(completion.model, MODEL);
    const usage = completion.usage as OpenRouterUsage | undefined;
    assert.equal(usage?.prompt_tokens, 2000);
    assert.equal(usage?.completion_tokens, 400);
    assert.equal(usage?.prompt_tokens_details?.cached_tokens, 1500);
    assert.equal(usage?.completion_tokens_details?.reasoning_tokens, 300);
    assert.equal(usage?.cost, EXPECTED_COST);

    const sent = harness.upstream.requests[before];
    assert.ok(sent, 'the upstream was called');
    assert.equal(sent.method, 'POST');
    assert.equal(sent.url, GENERATE);
    assert.equal(sent.headers['x-goog-api-key'], 'g-test');
    assert.equal(sent.headers['authorization'], undefined, 'no bearer token goes to Google');
    assert.deepEqual(sent.body, {
      contents: [{ role: 'user', parts: [{ text: 'What caps liability?' }] }],
      systemInstruction: { parts: [{ text: 'You read contracts.' }] },
      generationConfig: { temperature: 0.2, maxOutputTokens: 512 },
    });

    const record = await fetchRecord(harness, completion.id);
    assertBilledRecord(record);
    assert.equal(record.upstream_id, 'EltXaKqWLpak1MkP7vHZqQk');
    assert.equal(record.streamed, false);
  });

  test('streams from ?alt=sse, ends at EOF, and bills the final cumulative usage', async () => {
    harness.upstream.route(STREAM, { kind: 'sse', events: streamEvents });
    const before = harness.upstream.requests.length;
    const stream = await client.chat.completions.create({ model: MODEL, messages, stream: true });
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);

    const deltas = chunks.flatMap((chunk) => chunk.choices.map((choice) => choice.delta));
    assert.equal(deltas[0]?.role, 'assistant', 'the role comes first');
    assert.equal(
      deltas.map((delta) => delta.content ?? '').join(''),
      'The first three primes are 2, 3 and 5.',
    );
    const reasoning = deltas.map((delta) => (delta as { reasoning?: string }).reasoning ?? '');
    assert.equal(reasoning.join(''), 'Counting primes first.');
    const finish = chunks.flatMap((chunk) => chunk.choices).find((choice) => choice.finish_reason);
    assert.equal(finish?.finish_reason, 'stop');
    const usage = chunks.at(-1)?.usage as OpenRouterUsage | null | undefined;
    assert.equal(usage?.prompt_tokens, 2000);
    assert.equal(usage?.completion_tokens, 400);
    assert.equal(usage?.cost, EXPECTED_COST);

    const sent = harness.upstream.requests[before];
    assert.ok(sent, 'the upstream was called');
    assert.equal(sent.path, STREAM);
    assert.equal(sent.url, `${STREAM}?alt=sse`);
    assert.equal(sent.headers['x-goog-api-key'], 'g-test');
    assert.equal(sent.headers['accept'], 'text/event-stream');

    const record = await fetchRecord(harness, chunks[0]?.id ?? '');
    assertBilledRecord(record);
    assert.equal(record.upstream_id, 'UVtXaJ3mOeWk1MkP8Y2XsQ0');
    assert.equal(record.streamed, true);
    assert.equal(record.cancelled, false);
  });

  test('returns tool calls the client can answer, and replays them with their signature', async () => {
    const tools: ChatCompletionTool[] = [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          parameters: { type: 'object', properties: { location: { type: 'string' } } },
        },
      },
      {
        type: 'function',
        function: {
          name: 'get_time',
          parameters: { type: 'object', properties: { timezone: { type: 'string' } } },
        },
      },
    ];
    harness.upstream.route(GENERATE, { kind: 'json', body: functionCallResponse });
    const question: ChatCompletionMessageParam = { role: 'user', content: 'Weather and time?' };
    const first = await client.chat.completions.create({
      model: MODEL,
      messages: [question],
      tools,
      tool_choice: 'auto',
    });
    const choice = first.choices[0];
    assert.equal(choice?.finish_reason, 'tool_calls');
    const calls = choice?.message.tool_calls ?? [];
    assert.equal(calls.length, 2);
    const [weather, time] = calls;
    assert.ok(weather?.type === 'function' && time?.type === 'function');
    assert.equal(weather.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(weather.function.arguments), {
      location: 'Paris',
      unit: 'celsius',
    });

    harness.upstream.route(GENERATE, { kind: 'json', body: textResponse });
    const before = harness.upstream.requests.length;
    // The client sends the assistant message back as it came (reasoning_details included).
    const assistant = choice?.message as ChatCompletionMessageParam;
    const second = await client.chat.completions.create({
      model: MODEL,
      tools,
      messages: [
        question,
        assistant,
        { role: 'tool', tool_call_id: weather.id, content: '18°C' },
        { role: 'tool', tool_call_id: time.id, content: '14:05' },
      ],
    });
    assert.equal(second.choices[0]?.message.content, 'Hello! How can I help you today?');
    const body = harness.upstream.requests[before]?.body as {
      contents: Array<{ role: string; parts: Array<Record<string, unknown>> }>;
      toolConfig?: unknown;
    };
    assert.deepEqual(
      body.contents.map((content) => content.role),
      ['user', 'model', 'user'],
    );
    assert.deepEqual(body.contents[1]?.parts, [
      {
        functionCall: { name: 'get_weather', args: { location: 'Paris', unit: 'celsius' } },
        thoughtSignature: functionCallResponse.candidates[0]?.content.parts[0]?.thoughtSignature,
      },
      { functionCall: { name: 'get_time', args: { timezone: 'Europe/Paris' } } },
    ]);
    assert.deepEqual(body.contents[2]?.parts, [
      { functionResponse: { name: 'get_weather', response: { content: '18°C' } } },
      { functionResponse: { name: 'get_time', response: { content: '14:05' } } },
    ]);
  });

  test('passes a Gemini quota error on as a 429 with the retry delay', async () => {
    harness.upstream.route(GENERATE, { kind: 'json', status: 429, body: quotaExceededError });
    await assert.rejects(client.chat.completions.create({ model: MODEL, messages }), (error) => {
      assert.ok(error instanceof OpenAI.RateLimitError, String(error));
      assert.equal(error.status, 429);
      assert.match(error.message, /exceeded your current quota/);
      assert.equal(error.headers?.get('retry-after'), '37');
      return true;
    });
  });
});
