/**
 * One gateway, three upstream wire protocols: the same OpenRouter-shaped client request is sent
 * to a model served by a `kind: openai`, a `kind: anthropic` and a `kind: gemini` provider (each
 * on its own fake upstream, a real HTTP server), and the published clients (`@openrouter/sdk`,
 * `ai` + `@openrouter/ai-sdk-provider`) must see the same response shape from all three. The
 * fixtures answer with the same text and the same token counts (12 prompt, 11 completion), and
 * the three models are priced identically, so the cost is the same everywhere too.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { GenerationRecord } from '@tollgate/protocol';
import { generateText } from 'ai';
import { textResponse } from '../../src/providers/gemini/__fixtures__/gemini-responses.js';
import { readAnthropicJson, toAnthropicSse } from '../helpers/anthropic-fixtures.js';
import {
  type FakeReply,
  type FakeUpstream,
  type RecordedRequest,
  startFakeUpstream,
} from '../helpers/fake-upstream.js';
import { postJson } from '../helpers/http.js';
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
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

const GENERATION_ID = /^gen-/;
/** The text every fixture answers with (that of `message-text.jsonc` and `textResponse`). */
const TEXT = 'Hello! How can I help you today?';
const PROMPT_TOKENS = 12;
const COMPLETION_TOKENS = 11;
/** 12 × 0.000001 + 11 × 0.000002 = 0.000012 + 0.000022 USD. */
const EXPECTED_COST = 0.000034;
const PRICING = { prompt: '0.000001', completion: '0.000002' };

const SYSTEM = 'You are terse.';
const USER = 'Say hello.';
/** The one request every model gets (the AI SDK sends `instructions` as this system message). */
const messages = [
  { role: 'system' as const, content: SYSTEM },
  { role: 'user' as const, content: USER },
];
const aiSdkPrompt = { instructions: SYSTEM, messages: [{ role: 'user' as const, content: USER }] };

const OPENAI_PATH = '/v1/chat/completions';
const ANTHROPIC_PATH = '/v1/messages';
const GEMINI_GENERATE = '/v1beta/models/gemini-test-1:generateContent';
const GEMINI_STREAM = '/v1beta/models/gemini-test-1:streamGenerateContent';

interface Target {
  model: string;
  provider: string;
  /** Paths of the fake upstream serving this model that it must have called. */
  paths: string[];
  upstream: () => FakeUpstream;
}

let harness: TestGateway;
let anthropicUpstream: FakeUpstream;
let geminiUpstream: FakeUpstream;

const TARGETS: Target[] = [
  {
    model: 'x/openai',
    provider: 'Acme OpenAI',
    paths: [OPENAI_PATH],
    upstream: () => harness.upstream,
  },
  {
    model: 'x/anthropic',
    provider: 'Acme Anthropic',
    paths: [ANTHROPIC_PATH],
    upstream: () => anthropicUpstream,
  },
  {
    model: 'x/gemini',
    provider: 'Acme Gemini',
    paths: [GEMINI_GENERATE, GEMINI_STREAM],
    upstream: () => geminiUpstream,
  },
];

function isStreamRequest(request: RecordedRequest): boolean {
  return (request.body as { stream?: unknown } | null)?.stream === true;
}

/** OpenAI-compatible upstream: JSON or SSE on one path, chosen by the request's `stream`. */
function openAIReply(request: RecordedRequest): FakeReply {
  const usage = { prompt_tokens: PROMPT_TOKENS, completion_tokens: COMPLETION_TOKENS };
  if (isStreamRequest(request)) {
    return {
      kind: 'sse',
      events: openAIStreamEvents({ contents: ['Hello! ', 'How can I help you today?'], usage }),
    };
  }
  return { kind: 'json', body: openAIChatCompletion({ content: TEXT, usage }) };
}

/** `message-text.jsonc`: 12 input and 11 output tokens, `end_turn`. */
const anthropicMessage = readAnthropicJson('message-text') as {
  id: string;
  model: string;
  usage: Record<string, unknown>;
};

/** The same message as Anthropic streams it, in its `event:` + `data:` framing. */
const anthropicStream = toAnthropicSse([
  {
    type: 'message_start',
    message: {
      ...anthropicMessage,
      content: [],
      stop_reason: null,
      usage: { ...anthropicMessage.usage, output_tokens: 1 },
    },
  },
  { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
  { type: 'ping' },
  { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello! ' } },
  {
    type: 'content_block_delta',
    index: 0,
    delta: { type: 'text_delta', text: 'How can I help you today?' },
  },
  { type: 'content_block_stop', index: 0 },
  {
    type: 'message_delta',
    delta: { stop_reason: 'end_turn', stop_sequence: null },
    usage: { output_tokens: COMPLETION_TOKENS },
  },
  { type: 'message_stop' },
]);

function anthropicReply(request: RecordedRequest): FakeReply {
  if (isStreamRequest(request)) {
    return {
      kind: 'raw',
      status: 200,
      body: anthropicStream,
      headers: { 'content-type': 'text/event-stream' },
    };
  }
  return { kind: 'json', body: anthropicMessage };
}

/** `textResponse` with the token counts of the other two fixtures (it has 8 and 9). */
const geminiUsage = {
  promptTokenCount: PROMPT_TOKENS,
  candidatesTokenCount: COMPLETION_TOKENS,
  totalTokenCount: PROMPT_TOKENS + COMPLETION_TOKENS,
};
const geminiResponse = { ...textResponse, usageMetadata: geminiUsage };
const [geminiCandidate] = textResponse.candidates;
assert.ok(geminiCandidate !== undefined);
/** `textResponse` split in two `?alt=sse` events; usage cumulative, `finishReason` last. */
const geminiStream = [
  {
    ...textResponse,
    candidates: [{ content: { parts: [{ text: 'Hello! ' }], role: 'model' }, index: 0 }],
    usageMetadata: { promptTokenCount: PROMPT_TOKENS, totalTokenCount: PROMPT_TOKENS },
  },
  {
    ...textResponse,
    candidates: [
      {
        ...geminiCandidate,
        content: { parts: [{ text: 'How can I help you today?' }], role: 'model' },
      },
    ],
    usageMetadata: geminiUsage,
  },
];

function config(openAIUrl: string): unknown {
  return {
    providers: [
      { name: 'Acme OpenAI', kind: 'openai', base_url: `${openAIUrl}/v1`, api_key: 'sk-o' },
      {
        name: 'Acme Anthropic',
        kind: 'anthropic',
        base_url: `${anthropicUpstream.url}/v1`,
        api_key: 'sk-ant',
      },
      {
        name: 'Acme Gemini',
        kind: 'gemini',
        base_url: `${geminiUpstream.url}/v1beta`,
        api_key: 'g-key',
      },
    ],
    models: [
      { id: 'x/openai', provider: 'Acme OpenAI', upstream: 'gpt-test-1' },
      { id: 'x/anthropic', provider: 'Acme Anthropic', upstream: 'claude-test-1' },
      { id: 'x/gemini', provider: 'Acme Gemini', upstream: 'gemini-test-1' },
    ].map(({ id, provider, upstream }) => ({
      id,
      endpoints: [{ provider, model: upstream, pricing: PRICING }],
    })),
  };
}

function assertRecord(record: GenerationRecord, target: Target, streamed: boolean): void {
  assert.equal(record.model, target.model);
  assert.equal(record.provider_name, target.provider);
  assert.equal(record.streamed, streamed);
  assert.equal(record.cancelled, false);
  assert.equal(record.total_cost, EXPECTED_COST);
  assert.equal(record.native_tokens_prompt, PROMPT_TOKENS);
  assert.equal(record.native_tokens_completion, COMPLETION_TOKENS);
  assert.equal(record.finish_reason, 'stop');
}

/** Asserts that `request` reached the upstream of `target` (and no other one) exactly once. */
function assertServedBy(target: Target, since: Map<Target, number>, stream: boolean): void {
  for (const other of TARGETS) {
    const count = other.upstream().requests.length - (since.get(other) ?? 0);
    assert.equal(count, other === target ? 1 : 0, `${other.model}'s upstream calls`);
  }
  const sent = target.upstream().requests.at(-1);
  assert.ok(sent !== undefined);
  assert.equal(sent.method, 'POST');
  const expectedPath = target.model === 'x/gemini' && stream ? GEMINI_STREAM : target.paths[0];
  assert.equal(sent.path, expectedPath);
}

function snapshot(): Map<Target, number> {
  return new Map(TARGETS.map((target) => [target, target.upstream().requests.length]));
}

/** The keys of an object, sorted. */
function keysOf(value: unknown): string[] {
  assert.ok(typeof value === 'object' && value !== null, `expected an object, got ${value}`);
  return Object.keys(value).sort();
}

describe('the same request against an openai, an anthropic and a gemini upstream', () => {
  before(async () => {
    anthropicUpstream = await startFakeUpstream({ [ANTHROPIC_PATH]: anthropicReply });
    geminiUpstream = await startFakeUpstream({
      [GEMINI_GENERATE]: { kind: 'json', body: geminiResponse },
      [GEMINI_STREAM]: { kind: 'sse', events: geminiStream },
    });
    harness = await startTestGateway({ config });
    harness.upstream.route(OPENAI_PATH, openAIReply);
  });
  after(async () => {
    await harness.close();
    await anthropicUpstream.close();
    await geminiUpstream.close();
  });

  for (const target of TARGETS) {
    describe(target.model, () => {
      test('@openrouter/sdk chat.send parses, and getGeneration at once matches its cost', async () => {
        const since = snapshot();
        const result = expectChatResult(
          await openRouterSdk(harness).chat.send({
            chatRequest: { model: target.model, messages },
          }),
        );
        assertServedBy(target, since, false);
        assert.match(result.id, GENERATION_ID);
        assert.equal(result.object, 'chat.completion');
        assert.equal(result.model, target.model);
        assert.equal(result.choices.length, 1);
        assert.equal(result.choices[0]?.message.role, 'assistant');
        assert.equal(result.choices[0]?.message.content, TEXT);
        assert.equal(result.choices[0]?.finishReason, 'stop');
        assert.equal(result.usage?.promptTokens, PROMPT_TOKENS);
        assert.equal(result.usage?.completionTokens, COMPLETION_TOKENS);
        assert.equal(result.usage?.totalTokens, PROMPT_TOKENS + COMPLETION_TOKENS);
        assert.equal(result.usage?.cost, EXPECTED_COST);

        const { data } = await openRouterSdk(harness).generations.getGeneration({ id: result.id });
        assert.equal(data.id, result.id);
        assert.equal(data.totalCost, result.usage?.cost);
        assert.equal(data.model, target.model);
        assert.equal(data.providerName, target.provider);
        assert.equal(data.streamed, false);
        assertRecord(await fetchRecord(harness, result.id), target, false);
      });

      test('@openrouter/sdk chat.send streams chunks that all parse, and getGeneration matches', async () => {
        const since = snapshot();
        const chunks = await collectSdkStream(
          await openRouterSdk(harness).chat.send({
            chatRequest: { model: target.model, messages, stream: true },
          }),
        );
        assertServedBy(target, since, true);
        const text = chunks
          .flatMap((chunk) => chunk.choices)
          .map((choice) => choice.delta.content ?? '')
          .join('');
        assert.equal(text, TEXT);
        const first = chunks[0];
        assert.ok(first !== undefined);
        assert.match(first.id, GENERATION_ID);
        assert.ok(
          chunks.every((chunk) => chunk.id === first.id),
          'one id on every chunk',
        );
        const finish = chunks.flatMap((chunk) => chunk.choices).find((c) => c.finishReason);
        assert.equal(finish?.finishReason, 'stop');
        const usage = chunks.at(-1)?.usage;
        assert.ok(usage !== undefined && usage !== null, 'the final chunk carries usage');
        assert.equal(usage.promptTokens, PROMPT_TOKENS);
        assert.equal(usage.completionTokens, COMPLETION_TOKENS);
        assert.equal(usage.cost, EXPECTED_COST);

        const { data } = await openRouterSdk(harness).generations.getGeneration({ id: first.id });
        assert.equal(data.totalCost, usage.cost);
        assert.equal(data.streamed, true);
        assert.equal(data.providerName, target.provider);
        assertRecord(await fetchRecord(harness, first.id), target, true);
      });

      test('ai generateText returns the text and a metadata cost equal to the record', async () => {
        const since = snapshot();
        const openrouter = aiSdkOpenRouter(harness);
        const result = await generateText({
          model: openrouter(target.model),
          ...aiSdkPrompt,
          maxRetries: 0,
        });
        assertServedBy(target, since, false);
        assert.equal(result.text, TEXT);
        assert.equal(result.finishReason, 'stop');
        assert.equal(result.usage.inputTokens, PROMPT_TOKENS);
        assert.equal(result.usage.outputTokens, COMPLETION_TOKENS);
        const record = await fetchRecord(harness, result.response.id);
        assert.equal(metadataCost(result.providerMetadata), record.total_cost);
        assertRecord(record, target, false);
      });

      test('ai streamText yields the text and a metadata cost equal to the record', async () => {
        const since = snapshot();
        const openrouter = aiSdkOpenRouter(harness);
        const { result, text, errors } = await streamTextToEnd({
          model: openrouter(target.model),
          ...aiSdkPrompt,
          maxRetries: 0,
        });
        assert.deepEqual(errors, []);
        assertServedBy(target, since, true);
        assert.equal(text, TEXT);
        assert.equal(await result.finishReason, 'stop');
        const { id } = await result.response;
        assert.match(id, GENERATION_ID);
        const record = await fetchRecord(harness, id);
        assert.equal(metadataCost(await result.providerMetadata), record.total_cost);
        assertRecord(record, target, true);
      });
    });
  }

  test('the three non-stream wire responses differ only in ids, content and provider', async () => {
    const bodies: Array<Record<string, unknown>> = [];
    for (const target of TARGETS) {
      const response = await postJson(harness.apiUrl, '/chat/completions', harness.key, {
        model: target.model,
        messages,
      });
      assert.equal(response.status, 200, target.model);
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
      bodies.push((await response.json()) as Record<string, unknown>);
    }
    const [reference, ...others] = bodies;
    assert.ok(reference !== undefined);

    type Choice = { message: Record<string, unknown>; [key: string]: unknown };
    type Usage = Record<string, unknown> & { cost_details?: unknown };
    const shape = (body: Record<string, unknown>) => {
      const choices = body['choices'] as Choice[];
      const usage = body['usage'] as Usage;
      return {
        keys: keysOf(body),
        object: body['object'],
        choiceCount: choices.length,
        choiceKeys: keysOf(choices[0]),
        role: choices[0]?.message['role'],
        finishReason: choices[0]?.['finish_reason'],
        usageKeys: keysOf(usage),
        costDetailsKeys: keysOf(usage.cost_details),
        usage,
      };
    };

    const referenceShape = shape(reference);
    assert.equal(referenceShape.object, 'chat.completion');
    assert.equal(referenceShape.role, 'assistant');
    assert.equal(referenceShape.finishReason, 'stop');
    for (const [name, value] of Object.entries(referenceShape.usage)) {
      if (name === 'cost' || typeof value !== 'number') continue;
      assert.ok(Number.isInteger(value), `usage.${name} = ${value} is an integer`);
    }
    for (const [name, value] of Object.entries(referenceShape.usage)) {
      if (typeof value !== 'object' || value === null || name === 'cost_details') continue;
      for (const [detail, count] of Object.entries(value)) {
        if (typeof count === 'number') {
          assert.ok(Number.isInteger(count), `usage.${name}.${detail} = ${count} is an integer`);
        }
      }
    }
    for (const [index, body] of others.entries()) {
      const label = TARGETS[index + 1]?.model;
      // Same token counts and prices, so not only the shape but the whole usage is equal.
      assert.deepEqual(shape(body), referenceShape, `${label} vs ${TARGETS[0]?.model}`);
    }
    const ids = new Set(bodies.map((body) => body['id']));
    assert.equal(ids.size, 3, 'every response has its own generation id');
    assert.deepEqual(
      new Set(bodies.map((body) => body['provider'])),
      new Set(TARGETS.map((target) => target.provider)),
    );

    const messageKeys = bodies.map((body) => keysOf((body['choices'] as Choice[])[0]?.message));
    // Every adapter sends the same message keys; refusal and reasoning are null when absent.
    assert.deepEqual(
      messageKeys,
      TARGETS.map(() => ['content', 'reasoning', 'refusal', 'role']),
    );
  });
});
