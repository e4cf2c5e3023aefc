/**
 * The published clients people will point at Tollgate, used unmodified as conformance probes:
 * `@openrouter/sdk` (strict zod parsing of every response), `openai` (SSE framing, error classes)
 * and `ai` + `@openrouter/ai-sdk-provider` (usage and cost in provider metadata). See
 * shared/contract/real-clients.md for what each one accepts and rejects.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OpenRouterCore } from '@openrouter/sdk/core.js';
import { generationsGetGeneration } from '@openrouter/sdk/funcs/generationsGetGeneration.js';
import type { ChatStreamChunk } from '@openrouter/sdk/models';
import { NotFoundResponseError, UnauthorizedResponseError } from '@openrouter/sdk/models/errors';
import { type GenerationRecord, GenerationRecordSchema } from '@tollgate/protocol';
import { generateText } from 'ai';
import OpenAI from 'openai';
import type { ChatCompletionChunk, ChatCompletionMessageParam } from 'openai/resources';
import { openAIChatCompletion, openAIStreamEvents } from '../helpers/openai-fixtures.js';
import {
  aiSdkOpenRouter,
  collectSdkStream,
  expectChatResult,
  fetchRecord,
  metadataCost,
  openRouterSdk,
  streamTextToEnd,
} from '../helpers/openrouter-clients.js';
import { startTestGatewayFor, type TestGateway } from '../helpers/start-test-gateway.js';

const DEMO_MODEL = 'tollgate/demo';
const DEMO_PROVIDER = 'Tollgate Demo';
const TEST_MODEL = 'test/model';
const TEST_PROVIDER = 'Acme';
const GENERATION_ID = /^gen-/;
const PROMPT = 'Tell me how a gateway meters tokens.';
const messages = [{ role: 'user' as const, content: PROMPT }];

/** Usage the fake upstream reports: 1000 prompt (300 cached), 200 completion (50 reasoning). */
const BILLED_USAGE = {
  prompt_tokens: 1000,
  cached_tokens: 300,
  completion_tokens: 200,
  reasoning_tokens: 50,
};
/** 700 × 1e-6 + 300 × 1e-7 + 150 × 2e-6 + 50 × 3e-6 USD, as the nearest double. */
const BILLED_COST = 0.00118;

function openAIClient(harness: TestGateway): OpenAI {
  return new OpenAI({ apiKey: harness.key, baseURL: harness.apiUrl, maxRetries: 0 });
}

function sdkStreamText(chunks: readonly ChatStreamChunk[]): string {
  return chunks
    .flatMap((chunk) => chunk.choices)
    .map((choice) => choice.delta.content ?? '')
    .join('');
}

/** The last chunk, which must carry the usage. */
function sdkUsageChunk(chunks: readonly ChatStreamChunk[]): ChatStreamChunk {
  const last = chunks.at(-1);
  assert.ok(last?.usage !== undefined, 'the final chunk carries usage');
  return last;
}

/** OpenAI's usage type plus the fields OpenRouter adds. */
type OpenRouterUsage = NonNullable<ChatCompletionChunk['usage']> & { cost?: number };

async function collectOpenAIStream(
  stream: AsyncIterable<ChatCompletionChunk>,
): Promise<{ chunks: ChatCompletionChunk[]; text: string; usage: OpenRouterUsage }> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  const text = chunks
    .flatMap((chunk) => chunk.choices)
    .map((choice) => choice.delta.content ?? '')
    .join('');
  const usage = chunks.at(-1)?.usage as OpenRouterUsage | null | undefined;
  assert.ok(usage !== null && usage !== undefined, 'the final chunk carries usage');
  return { chunks, text, usage };
}

function routeBilledStream(harness: TestGateway): void {
  harness.upstream.route('/v1/chat/completions', {
    kind: 'sse',
    events: openAIStreamEvents({ contents: ['Meter', 'ed ', 'exactly.'], usage: BILLED_USAGE }),
  });
}

function assertBilledRecord(record: GenerationRecord): void {
  assert.equal(record.total_cost, BILLED_COST);
  assert.equal(record.usage, BILLED_COST);
  assert.equal(record.native_tokens_prompt, 1000);
  assert.equal(record.native_tokens_cached, 300);
  assert.equal(record.native_tokens_completion, 200);
  assert.equal(record.native_tokens_reasoning, 50);
  assert.equal(record.provider_name, TEST_PROVIDER);
}

describe('@openrouter/sdk against the gateway', () => {
  test('chat.send parses a non-stream demo completion and getGeneration at once matches it', async (t) => {
    const harness = await startTestGatewayFor(t, { demo: true });
    const client = openRouterSdk(harness);
    const result = expectChatResult(
      await client.chat.send({ chatRequest: { model: DEMO_MODEL, messages, stream: false } }),
    );
    assert.match(result.id, GENERATION_ID);
    assert.equal(result.object, 'chat.completion');
    const usage = result.usage;
    assert.ok(usage !== undefined, 'usage is present');
    assert.equal(typeof usage.cost, 'number');
    assert.ok((usage.cost ?? 0) > 0, 'the demo is priced, so the cost is positive');

    const { data } = await client.generations.getGeneration({ id: result.id });
    assert.equal(data.id, result.id);
    assert.equal(data.totalCost, usage.cost);
    assert.equal(data.usage, usage.cost);
    assert.equal(data.nativeTokensPrompt, usage.promptTokens);
    assert.equal(data.nativeTokensCompletion, usage.completionTokens);
    assert.equal(data.streamed, false);
    assert.equal(data.cancelled, false);
    assert.equal(data.model, DEMO_MODEL);
    assert.equal(data.providerName, DEMO_PROVIDER);
  });

  test('chat.send streams demo chunks that all parse, ending in usage the record matches', async (t) => {
    const harness = await startTestGatewayFor(t, { demo: true });
    const client = openRouterSdk(harness);
    const chunks = await collectSdkStream(
      await client.chat.send({ chatRequest: { model: DEMO_MODEL, messages, stream: true } }),
    );
    assert.ok(sdkStreamText(chunks).length > 0, 'the streamed content is not empty');
    const first = chunks[0];
    assert.ok(first !== undefined);
    assert.match(first.id, GENERATION_ID);
    assert.ok(
      chunks.every((chunk) => chunk.id === first.id),
      'every chunk has one id',
    );
    const usage = sdkUsageChunk(chunks).usage;
    assert.ok(usage !== undefined);
    assert.equal(typeof usage.cost, 'number');

    const { data } = await client.generations.getGeneration({ id: first.id });
    assert.equal(data.streamed, true);
    assert.equal(data.cancelled, false);
    assert.equal(data.totalCost, usage.cost);
    assert.equal(data.nativeTokensPrompt, usage.promptTokens);
    assert.equal(data.nativeTokensCompletion, usage.completionTokens);
    assert.equal(data.model, DEMO_MODEL);
    assert.equal(data.providerName, DEMO_PROVIDER);
  });

  test('chat.send streams cached and reasoning usage from the upstream, billed to the exact dollar', async (t) => {
    const harness = await startTestGatewayFor(t);
    routeBilledStream(harness);
    const client = openRouterSdk(harness);
    const chunks = await collectSdkStream(
      await client.chat.send({ chatRequest: { model: TEST_MODEL, messages, stream: true } }),
    );
    assert.equal(sdkStreamText(chunks), 'Metered exactly.');
    const usage = sdkUsageChunk(chunks).usage;
    assert.ok(usage !== undefined);
    assert.equal(usage.cost, BILLED_COST);
    assert.equal(usage.promptTokens, 1000);
    assert.equal(usage.completionTokens, 200);
    assert.equal(usage.totalTokens, 1200);
    assert.equal(usage.promptTokensDetails?.cachedTokens, 300);
    assert.equal(usage.completionTokensDetails?.reasoningTokens, 50);

    const id = chunks[0]?.id ?? '';
    const { data } = await client.generations.getGeneration({ id });
    assert.equal(data.totalCost, BILLED_COST);
    assert.equal(data.nativeTokensCached, 300);
    assert.equal(data.nativeTokensReasoning, 50);
    assert.equal(data.streamed, true);
    assert.equal(data.model, TEST_MODEL);
    assert.equal(data.providerName, TEST_PROVIDER);
    assertBilledRecord(await fetchRecord(harness, id));
  });

  test('chat.send bills a non-stream upstream completion with cached and reasoning tokens exactly', async (t) => {
    const harness = await startTestGatewayFor(t);
    harness.upstream.route('/v1/chat/completions', {
      kind: 'json',
      body: openAIChatCompletion({ content: 'Metered exactly.', usage: BILLED_USAGE }),
    });
    const client = openRouterSdk(harness);
    const result = expectChatResult(
      await client.chat.send({ chatRequest: { model: TEST_MODEL, messages } }),
    );
    assert.equal(result.usage?.cost, BILLED_COST);
    const { data } = await client.generations.getGeneration({ id: result.id });
    assert.equal(data.totalCost, BILLED_COST);
    assert.equal(data.streamed, false);
    assertBilledRecord(await fetchRecord(harness, result.id));
  });

  test('generationsGetGeneration returns ok for a known id and NotFoundResponseError for an unknown one', async (t) => {
    const harness = await startTestGatewayFor(t, { demo: true });
    const result = expectChatResult(
      await openRouterSdk(harness).chat.send({ chatRequest: { model: DEMO_MODEL, messages } }),
    );
    const core = new OpenRouterCore({
      apiKey: harness.key,
      serverURL: harness.apiUrl,
      retryConfig: { strategy: 'none' },
    });

    const found = await generationsGetGeneration(core, { id: result.id });
    assert.ok(found.ok, `expected ok, got ${found.ok ? '' : String(found.error)}`);
    assert.equal(found.value.data.id, result.id);
    assert.equal(found.value.data.totalCost, result.usage?.cost);

    const missing = await generationsGetGeneration(core, {
      id: 'gen-0000000000-unknownunknownunknow',
    });
    assert.ok(!missing.ok, 'an unknown id is not ok');
    assert.ok(missing.error instanceof NotFoundResponseError, String(missing.error));
    assert.equal(missing.error.statusCode, 404);
  });

  test('getGeneration with a wrong API key throws UnauthorizedResponseError', async (t) => {
    const harness = await startTestGatewayFor(t, { demo: true });
    const result = expectChatResult(
      await openRouterSdk(harness).chat.send({ chatRequest: { model: DEMO_MODEL, messages } }),
    );
    const stranger = openRouterSdk(harness, 'sk-or-v1-not-a-real-key');
    await assert.rejects(stranger.generations.getGeneration({ id: result.id }), (error) => {
      assert.ok(error instanceof UnauthorizedResponseError, String(error));
      assert.equal(error.statusCode, 401);
      return true;
    });
  });

  test('getGeneration right after each of 20 sequential completions never answers 404', async (t) => {
    const harness = await startTestGatewayFor(t, { demo: true });
    const client = openRouterSdk(harness);
    for (let round = 0; round < 20; round += 1) {
      const result = expectChatResult(
        await client.chat.send({
          chatRequest: {
            model: DEMO_MODEL,
            messages: [{ role: 'user', content: `Round ${round}` }],
          },
        }),
      );
      const { data } = await client.generations.getGeneration({ id: result.id });
      assert.equal(data.id, result.id, `round ${round}`);
      assert.equal(data.totalCost, result.usage?.cost, `round ${round}`);
    }
  });
});

describe('openai against the gateway', () => {
  test('answers a non-stream demo completion whose generation record matches its usage', async (t) => {
    const harness = await startTestGatewayFor(t, { demo: true });
    const client = openAIClient(harness);
    const completion = await client.chat.completions.create({ model: DEMO_MODEL, messages });
    assert.match(completion.id, GENERATION_ID);
    assert.ok((completion.choices[0]?.message.content ?? '').length > 0, 'the reply has text');
    const usage = completion.usage as OpenRouterUsage | undefined;
    assert.ok(usage !== undefined, 'usage is present');
    assert.equal(typeof usage.cost, 'number');

    const { data } = await client.get<{ data: unknown }>('/generation', {
      query: { id: completion.id },
    });
    const record = GenerationRecordSchema.parse(data);
    assert.equal(record.id, completion.id);
    assert.equal(record.total_cost, usage.cost);
    assert.equal(record.native_tokens_prompt, usage.prompt_tokens);
    assert.equal(record.native_tokens_completion, usage.completion_tokens);
    assert.equal(record.streamed, false);
    assert.equal(record.provider_name, DEMO_PROVIDER);
  });

  test('streams demo deltas and a usage chunk without stream_options being sent', async (t) => {
    const harness = await startTestGatewayFor(t, { demo: true });
    const client = openAIClient(harness);
    const stream = await client.chat.completions.create({
      model: DEMO_MODEL,
      messages,
      stream: true,
    });
    const { chunks, text, usage } = await collectOpenAIStream(stream);
    assert.ok(text.length > 0, 'the deltas concatenate to text');
    const id = chunks[0]?.id ?? '';
    assert.match(id, GENERATION_ID);
    assert.equal(typeof usage.cost, 'number');

    const { data } = await client.get<{ data: unknown }>('/generation', { query: { id } });
    const record = GenerationRecordSchema.parse(data);
    assert.equal(record.total_cost, usage.cost);
    assert.equal(record.native_tokens_prompt, usage.prompt_tokens);
    assert.equal(record.native_tokens_completion, usage.completion_tokens);
    assert.equal(record.streamed, true);
    assert.equal(record.cancelled, false);
  });

  test('streams cached and reasoning usage from the upstream and bills it to the exact dollar', async (t) => {
    const harness = await startTestGatewayFor(t);
    routeBilledStream(harness);
    const client = openAIClient(harness);
    const stream = await client.chat.completions.create({
      model: TEST_MODEL,
      messages,
      stream: true,
    });
    const { chunks, text, usage } = await collectOpenAIStream(stream);
    assert.equal(text, 'Metered exactly.');
    assert.equal(usage.cost, BILLED_COST);
    assert.equal(usage.prompt_tokens_details?.cached_tokens, 300);
    assert.equal(usage.completion_tokens_details?.reasoning_tokens, 50);
    const upstreamBody = harness.upstream.requests[0]?.body as Record<string, unknown> | undefined;
    assert.deepEqual(
      upstreamBody?.['stream_options'],
      { include_usage: true },
      'the gateway asks the upstream for usage although the client did not',
    );

    const id = chunks[0]?.id ?? '';
    const { data } = await client.get<{ data: unknown }>('/generation', { query: { id } });
    const record = GenerationRecordSchema.parse(data);
    assertBilledRecord(record);
    assert.equal(record.streamed, true);
  });

  test('rejects an unknown model with NotFoundError (404)', async (t) => {
    const harness = await startTestGatewayFor(t, { demo: true });
    const client = openAIClient(harness);
    await assert.rejects(
      client.chat.completions.create({ model: 'nobody/no-such-model', messages }),
      (error) => {
        assert.ok(error instanceof OpenAI.NotFoundError, String(error));
        assert.equal(error.status, 404);
        return true;
      },
    );
  });

  test('rejects messages that are not an array with BadRequestError naming messages', async (t) => {
    const harness = await startTestGatewayFor(t, { demo: true });
    const client = openAIClient(harness);
    const notAnArray = 'hello' as unknown as ChatCompletionMessageParam[];
    await assert.rejects(
      client.chat.completions.create({ model: DEMO_MODEL, messages: notAnArray }),
      (error) => {
        assert.ok(error instanceof OpenAI.BadRequestError, String(error));
        assert.equal(error.status, 400);
        assert.match(error.message, /messages/);
        return true;
      },
    );
  });
});

describe('ai + @openrouter/ai-sdk-provider against the gateway', () => {
  test('generateText returns demo text whose provider-metadata cost equals the record', async (t) => {
    const harness = await startTestGatewayFor(t, { demo: true });
    const openrouter = aiSdkOpenRouter(harness);
    const result = await generateText({
      model: openrouter(DEMO_MODEL),
      prompt: PROMPT,
      maxRetries: 0,
    });
    assert.ok(result.text.length > 0, 'the reply has text');
    const id = result.response.id;
    assert.match(id, GENERATION_ID);
    const cost = metadataCost(result.providerMetadata);
    assert.equal(typeof cost, 'number');
    const record = await fetchRecord(harness, id);
    assert.equal(cost, record.total_cost);
    assert.equal(result.usage.inputTokens, record.native_tokens_prompt);
    assert.equal(result.usage.outputTokens, record.native_tokens_completion);
  });

  test('generateText reports cached and reasoning tokens and the exact cost from the upstream', async (t) => {
    const harness = await startTestGatewayFor(t);
    harness.upstream.route('/v1/chat/completions', {
      kind: 'json',
      body: openAIChatCompletion({ content: 'Metered exactly.', usage: BILLED_USAGE }),
    });
    const openrouter = aiSdkOpenRouter(harness);
    const result = await generateText({
      model: openrouter(TEST_MODEL),
      prompt: PROMPT,
      maxRetries: 0,
    });
    assert.equal(result.text, 'Metered exactly.');
    assert.equal(metadataCost(result.providerMetadata), BILLED_COST);
    assert.equal(result.usage.inputTokens, 1000);
    assert.equal(result.usage.inputTokenDetails.cacheReadTokens, 300);
    assert.equal(result.usage.outputTokens, 200);
    assert.equal(result.usage.outputTokenDetails.reasoningTokens, 50);
    assertBilledRecord(await fetchRecord(harness, result.response.id));
  });

  test('streamText yields demo text and finishes cleanly with a cost equal to the record', async (t) => {
    const harness = await startTestGatewayFor(t, { demo: true });
    const openrouter = aiSdkOpenRouter(harness);
    const { result, text, errors } = await streamTextToEnd({
      model: openrouter(DEMO_MODEL),
      prompt: PROMPT,
      maxRetries: 0,
    });
    assert.deepEqual(errors, []);
    assert.ok(text.length > 0, 'the stream yields text');
    assert.ok(
      ['stop', 'length'].includes(await result.finishReason),
      `finishReason ${await result.finishReason}`,
    );
    const { id } = await result.response;
    assert.match(id, GENERATION_ID);
    const cost = metadataCost(await result.providerMetadata);
    assert.equal(typeof cost, 'number');
    const record = await fetchRecord(harness, id);
    assert.equal(cost, record.total_cost);
    assert.equal(record.streamed, true);
  });
});
