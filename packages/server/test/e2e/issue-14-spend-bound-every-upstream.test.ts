/**
 * Issue 14 (part 1): the spend hold must bound what a request can cost at every upstream kind —
 * every byte the adapter sends, not just the messages. For each route and upstream kind, a
 * request carrying every field is sent twice: by a key whose limit fits nothing (its 402 reports
 * the hold, `max_cost`) and by a key with room (the fake upstream records the body it receives).
 * An upstream billing one prompt token per byte and the full output bound must still be within
 * the hold.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PROMPT_OVERHEAD_TOKENS } from '../../src/accounts/max-cost.js';
import { parseUsd, usdNumberToPico } from '../../src/ledger/money.js';
import { textResponse } from '../../src/providers/gemini/__fixtures__/gemini-responses.js';
import { readAnthropicJson } from '../helpers/anthropic-fixtures.js';
import type { FakeReply, RecordedRequest } from '../helpers/fake-upstream.js';
import { getGeneration, postJson } from '../helpers/http.js';
import { openAIChatCompletion } from '../helpers/openai-fixtures.js';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

/** USD per token; in pico-USD below. */
const PRICING = { prompt: '0.000001', completion: '0.000002' };
const PROMPT_PICO = parseUsd(PRICING.prompt);
const COMPLETION_PICO = parseUsd(PRICING.completion);
/** A dearer price, for the first candidate of `x/fallback`. */
const DEAR_PRICING = { prompt: '0.00001', completion: '0.00003' };
/** The models' max output: the bound the gateway sends when the request sets none. */
const MAX_COMPLETION_TOKENS = 256;

function tool(index: number): object {
  return {
    type: 'function',
    function: {
      name: `lookup_${index}`,
      description: `Looks up record ${index}. ${'Describes the record in detail. '.repeat(30)}`,
      parameters: {
        type: 'object',
        properties: { query: { type: 'string', description: 'What to look up. '.repeat(5) } },
        required: ['query'],
      },
    },
  };
}

const SCHEMA = {
  type: 'object',
  properties: Object.fromEntries(
    Array.from({ length: 40 }, (_, index) => [
      `field_${index}`,
      { type: 'string', description: `The answer's field number ${index}, in full sentences.` },
    ]),
  ),
  required: ['field_0'],
  additionalProperties: false,
};

/** A chat request with every field the gateway forwards (no output bound: it injects one). */
function chatWithEveryField(model: string): object {
  return {
    model,
    messages: [
      { role: 'system', content: 'You are a careful assistant. '.repeat(40) },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is in this picture, and what does the record say?' },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
        ],
      },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call_1',
            type: 'function',
            function: { name: 'lookup_0', arguments: '{"query":"cat"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'A record about cats. '.repeat(40) },
      { role: 'user', content: 'Answer in the schema.' },
    ],
    tools: Array.from({ length: 12 }, (_, index) => tool(index)),
    tool_choice: 'auto',
    response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: SCHEMA } },
    prediction: { type: 'content', content: 'The picture shows a cat. '.repeat(20) },
    temperature: 0.3,
    top_p: 0.9,
    stop: ['END'],
    seed: 7,
    user: 'user-1234',
    logit_bias: { '50256': -100 },
  };
}

const textCompletion = {
  id: 'cmpl-1',
  object: 'text_completion',
  created: 1_700_000_000,
  model: 'gpt-test-1',
  choices: [
    { index: 0, text: 'ok', finish_reason: 'stop', logprobs: null },
    { index: 1, text: 'ok', finish_reason: 'stop', logprobs: null },
  ],
  usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 },
};

const embeddings = {
  object: 'list',
  model: 'embed-test-1',
  data: [0, 1, 2].map((index) => ({ object: 'embedding', index, embedding: [0.1, 0.2] })),
  usage: { prompt_tokens: 10, total_tokens: 10 },
};

interface Case {
  name: string;
  /** Gateway route under /api/v1. */
  route: string;
  body: object;
  /** Fake upstream path the request arrives on. */
  path: string;
  reply: FakeReply;
  /** Output tokens the upstream may bill for the body it received. */
  outputBound(sent: RecordedRequest): number;
}

const sentMaxTokens = (sent: RecordedRequest): number => {
  const body = sent.body as {
    max_tokens?: number;
    generationConfig?: { maxOutputTokens?: number };
  };
  const bound = body.max_tokens ?? body.generationConfig?.maxOutputTokens;
  assert.equal(typeof bound, 'number', 'the output bound is sent upstream');
  return bound as number;
};

const CASES: Case[] = [
  {
    name: 'OpenAI-compatible chat',
    route: '/chat/completions',
    body: chatWithEveryField('x/openai'),
    path: '/v1/chat/completions',
    reply: { kind: 'json', body: openAIChatCompletion({ content: 'ok' }) },
    // Rejected prediction tokens are billed as completion tokens on top of the output bound.
    outputBound: (sent) => sentMaxTokens(sent) + 'The picture shows a cat. '.length * 20,
  },
  {
    name: 'Anthropic chat',
    route: '/chat/completions',
    body: chatWithEveryField('x/anthropic'),
    path: '/anthropic/v1/messages',
    reply: { kind: 'json', body: readAnthropicJson('message-text') },
    outputBound: sentMaxTokens,
  },
  {
    name: 'Gemini chat',
    route: '/chat/completions',
    body: chatWithEveryField('x/gemini'),
    path: '/v1beta/models/gemini-test-1:generateContent',
    reply: { kind: 'json', body: textResponse },
    outputBound: sentMaxTokens,
  },
  {
    name: 'OpenAI-compatible legacy completions',
    route: '/completions',
    body: {
      model: 'x/openai',
      prompt: ['Once upon a time, '.repeat(200), 'In a galaxy far away, '.repeat(200)],
      suffix: 'The end.'.repeat(50),
      echo: false,
      logit_bias: { '50256': -100 },
      stop: ['\n\n'],
      temperature: 0.7,
      user: 'user-1234',
    },
    path: '/v1/completions',
    reply: { kind: 'json', body: textCompletion },
    // One completion per prompt.
    outputBound: (sent) => 2 * sentMaxTokens(sent),
  },
  {
    name: 'OpenAI-compatible embeddings',
    route: '/embeddings',
    body: {
      model: 'x/embed',
      input: ['The quick brown fox. '.repeat(100), 'Jumps over. '.repeat(100), 'x'],
      dimensions: 2,
      encoding_format: 'float',
      input_type: 'search_document',
      user: 'user-1234',
    },
    path: '/v1/embeddings',
    reply: { kind: 'json', body: embeddings },
    outputBound: () => 0,
  },
];

let harness: TestGateway;

function config(url: string): unknown {
  const endpoint = (id: string, provider: string, model: string) => ({
    id,
    max_completion_tokens: MAX_COMPLETION_TOKENS,
    endpoints: [{ provider, model, pricing: PRICING }],
  });
  return {
    providers: [
      { name: 'Acme OpenAI', kind: 'openai', base_url: `${url}/v1`, api_key: 'sk-o' },
      {
        name: 'Acme Anthropic',
        kind: 'anthropic',
        base_url: `${url}/anthropic/v1`,
        api_key: 'sk-ant',
      },
      { name: 'Acme Gemini', kind: 'gemini', base_url: `${url}/v1beta`, api_key: 'g-key' },
    ],
    models: [
      endpoint('x/openai', 'Acme OpenAI', 'gpt-test-1'),
      endpoint('x/embed', 'Acme OpenAI', 'embed-test-1'),
      endpoint('x/anthropic', 'Acme Anthropic', 'claude-test-1'),
      endpoint('x/gemini', 'Acme Gemini', 'gemini-test-1'),
      {
        id: 'x/output-priced',
        max_completion_tokens: 4096,
        endpoints: [
          {
            provider: 'Acme OpenAI',
            model: 'gpt-out-1',
            pricing: { prompt: '0', completion: '0.001' },
          },
        ],
      },
      {
        id: 'x/fallback',
        max_completion_tokens: MAX_COMPLETION_TOKENS,
        endpoints: [
          { provider: 'Acme OpenAI', model: 'gpt-dear-1', pricing: DEAR_PRICING },
          { provider: 'Acme Anthropic', model: 'claude-cheap-1', pricing: PRICING },
        ],
      },
    ],
  };
}

async function createKey(limit: number): Promise<string> {
  const response = await postJson(harness.apiUrl, '/keys', harness.key, { name: 'k', limit });
  assert.equal(response.status, 201);
  return ((await response.json()) as { key: string }).key;
}

describe('the spend hold bounds every byte sent upstream', () => {
  before(async () => {
    harness = await startTestGateway({ config, countTokens: false });
  });
  after(() => harness.close());

  for (const testCase of CASES) {
    test(`${testCase.name}: the hold covers the upstream body at a token a byte, plus the output bound`, async () => {
      harness.upstream.route(testCase.path, testCase.reply);
      const refused = await postJson(
        harness.apiUrl,
        testCase.route,
        await createKey(0.000001),
        testCase.body,
      );
      assert.equal(refused.status, 402);
      const hold = parseUsd(
        ((await refused.json()) as { error: { metadata: { max_cost: string } } }).error.metadata
          .max_cost,
      );
      const before = harness.upstream.requests.length;
      const served = await postJson(
        harness.apiUrl,
        testCase.route,
        await createKey(100),
        testCase.body,
      );
      const text = await served.text();
      assert.equal(served.status, 200, text);
      const sent = harness.upstream.requests.slice(before).find((r) => r.path === testCase.path);
      assert.ok(sent !== undefined, `the upstream received ${testCase.path}`);
      // Everything the client sent is there: the body is far larger than the prompt's text alone.
      assert.ok(sent.bodyBytes > 2_000, `${sent.bodyBytes} bytes sent upstream`);
      const worst =
        BigInt(sent.bodyBytes) * PROMPT_PICO + BigInt(testCase.outputBound(sent)) * COMPLETION_PICO;
      assert.ok(hold >= worst, `hold ${hold} pico ≥ ${worst} pico (${sent.bodyBytes} bytes)`);
    });
  }

  test('with fallbacks, the hold covers the dearest candidate and a charge is capped at the bound of the endpoint that served', async () => {
    // The dear OpenAI endpoint is overloaded; the cheap Anthropic one serves and over-reports.
    harness.upstream.route('/v1/chat/completions', {
      kind: 'json',
      status: 503,
      body: { error: { message: 'overloaded', type: 'server_error' } },
    });
    const message = readAnthropicJson('message-text') as Record<string, unknown>;
    harness.upstream.route('/anthropic/v1/messages', (sent) => ({
      kind: 'json',
      body: { ...message, usage: { input_tokens: 10 * sent.bodyBytes, output_tokens: 100_000 } },
    }));
    const body = {
      model: 'x/fallback',
      messages: [
        { role: 'system', content: 'Answer briefly. '.repeat(100) },
        { role: 'user', content: 'hi' },
      ],
      max_tokens: 50,
    };
    const refused = await postJson(
      harness.apiUrl,
      '/chat/completions',
      await createKey(1e-6),
      body,
    );
    assert.equal(refused.status, 402);
    const hold = parseUsd(
      ((await refused.json()) as { error: { metadata: { max_cost: string } } }).error.metadata
        .max_cost,
    );
    const key = await createKey(100);
    const before = harness.upstream.requests.length;
    const served = await postJson(harness.apiUrl, '/chat/completions', key, body);
    assert.equal(served.status, 200, await served.clone().text());
    const cost = ((await served.json()) as { usage: { cost: number } }).usage.cost;
    const sent = harness.upstream.requests.slice(before);
    const dear = sent.find((request) => request.path === '/v1/chat/completions');
    const cheap = sent.find((request) => request.path === '/anthropic/v1/messages');
    assert.ok(dear !== undefined && cheap !== undefined, 'both candidates were tried');
    const dearWorst =
      BigInt(dear.bodyBytes) * parseUsd(DEAR_PRICING.prompt) +
      50n * parseUsd(DEAR_PRICING.completion);
    assert.ok(hold >= dearWorst, `the hold ${hold} covers the dearest candidate (${dearWorst})`);
    // The serving endpoint's own bound: its body's bytes plus the template allowance, and 50
    // output tokens, at its own prices.
    const cheapBound =
      BigInt(cheap.bodyBytes + PROMPT_OVERHEAD_TOKENS) * PROMPT_PICO + 50n * COMPLETION_PICO;
    assert.ok(cheapBound < hold);
    const id = served.headers.get('x-generation-id') as string;
    const record = (
      (await (await getGeneration(harness.apiUrl, key, id)).json()) as {
        data: { usage: number; cost_capped: boolean; uncapped_cost: number; provider_name: string };
      }
    ).data;
    assert.equal(record.provider_name, 'Acme Anthropic');
    assert.equal(record.cost_capped, true);
    assert.equal(usdNumberToPico(record.usage), cheapBound);
    assert.equal(cost, record.usage);
    assert.ok(record.uncapped_cost > record.usage);
  });

  test('with both max_tokens and a smaller max_completion_tokens, an upstream obeying max_tokens is billed in full, not capped', async () => {
    // Both limits go upstream as sent; an upstream that knows only `max_tokens` uses it.
    harness.upstream.route('/v1/chat/completions', (sent) => {
      const limit = (sent.body as { max_tokens: number }).max_tokens;
      return {
        kind: 'json',
        body: openAIChatCompletion({
          content: 'ok',
          usage: { prompt_tokens: 5, completion_tokens: limit },
        }),
      };
    });
    const key = await createKey(100);
    const served = await postJson(harness.apiUrl, '/chat/completions', key, {
      model: 'x/output-priced',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 2000,
      max_completion_tokens: 10,
    });
    assert.equal(served.status, 200, await served.clone().text());
    const id = served.headers.get('x-generation-id') as string;
    const record = (
      (await (await getGeneration(harness.apiUrl, key, id)).json()) as {
        data: { usage: number; cost_capped: boolean };
      }
    ).data;
    assert.equal(record.cost_capped, false, 'the hold covered what max_tokens allowed');
    assert.equal(usdNumberToPico(record.usage), 2000n * parseUsd('0.001'));
  });
});
