/**
 * `POST /api/v1/embeddings` end to end: the published clients (`openai`, `@openrouter/sdk`, the AI
 * SDK's OpenRouter provider) against the gateway, a fake OpenAI-compatible upstream behind it, and
 * the generation record each call leaves.
 */
import assert from 'node:assert/strict';
import { after, before, describe, type TestContext, test } from 'node:test';
import { OpenRouter } from '@openrouter/sdk';
import {
  EmbeddingsResponseSchema,
  type GenerationRecord,
  GenerationRecordSchema,
} from '@tollgate/protocol';
import { embed, embedMany } from 'ai';
import OpenAI from 'openai';
import { configPriceVersion } from '../../src/prices/resolve-endpoint-price.js';
import type { FakeHandler, RecordedRequest } from '../helpers/fake-upstream.js';
import { getGeneration, postJson } from '../helpers/http.js';
import { aiSdkOpenRouter } from '../helpers/openrouter-clients.js';
import {
  startTestGateway,
  startTestGatewayFor,
  type TestGateway,
} from '../helpers/start-test-gateway.js';

const MODEL = 'test/embed';
const GENERATION_ID = /^gen-\d{10}-[A-Za-z0-9]{20}$/;
/** Values exact in float32, so base64 round trips compare equal. */
const VECTORS = [
  [0.5, -0.25, 0.125, 1.5],
  [-1, 0.75, 0.0625, -3.5],
  [2, -0.5, 0.25, 0.375],
];
/** A value float32 cannot hold: sent as base64 it comes back as Math.fround of it. */
const INEXACT = [0.1, 0.2, 0.3];
const PROMPT_TOKENS = 8;
/** 8 prompt tokens × $0.00000002. */
const COST = 0.00000016;

function embeddingsConfig(upstreamUrl: string): unknown {
  return {
    providers: [
      { name: 'Acme', kind: 'openai', base_url: `${upstreamUrl}/v1`, api_key: 'sk-upstream' },
      { name: 'Claude House', kind: 'anthropic', base_url: `${upstreamUrl}/anthropic` },
    ],
    models: [
      {
        id: MODEL,
        endpoints: [
          {
            provider: 'Acme',
            model: 'upstream-embed-1',
            pricing: { prompt: '0.00000002', completion: '0' },
          },
        ],
      },
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

function startGatewayFor(t: TestContext): Promise<TestGateway> {
  return startTestGatewayFor(t, { config: embeddingsConfig });
}

function toBase64(values: readonly number[]): string {
  const view = new DataView(new ArrayBuffer(values.length * 4));
  for (const [index, value] of values.entries()) view.setFloat32(index * 4, value, true);
  return Buffer.from(view.buffer).toString('base64');
}

/** How the fake upstream encodes: as asked (OpenAI's behaviour), or always one way. */
type UpstreamEncoding = 'as-asked' | 'float' | 'base64';

/**
 * An OpenAI `/v1/embeddings` answer: one vector per input (`vectors[i]`), usage of 8 tokens,
 * unless `usage` is false.
 */
function embeddingsUpstream(
  options: { encoding?: UpstreamEncoding; vectors?: number[][]; usage?: boolean } = {},
): FakeHandler {
  return (request: RecordedRequest) => {
    const body = request.body as { input: unknown; encoding_format?: string };
    const inputs =
      Array.isArray(body.input) && typeof body.input[0] !== 'number' ? body.input : [0];
    const encoding = options.encoding ?? 'as-asked';
    const base64 =
      encoding === 'base64' || (encoding === 'as-asked' && body.encoding_format === 'base64');
    const vectors = options.vectors ?? VECTORS;
    return {
      kind: 'json',
      body: {
        object: 'list',
        model: 'upstream-embed-1',
        data: inputs.map((_input, index) => {
          const vector = vectors[index % vectors.length] ?? [];
          return { object: 'embedding', index, embedding: base64 ? toBase64(vector) : vector };
        }),
        ...(options.usage === false
          ? {}
          : { usage: { prompt_tokens: PROMPT_TOKENS, total_tokens: PROMPT_TOKENS } }),
      },
    };
  };
}

/** The stored record, checked against our wire schema, with Tollgate's extra keys kept. */
async function fetchRecord(
  harness: TestGateway,
  id: string,
): Promise<GenerationRecord & Record<string, unknown>> {
  const response = await getGeneration(harness.apiUrl, harness.key, id);
  assert.equal(response.status, 200, `GET /generation?id=${id}`);
  const { data } = (await response.json()) as { data: Record<string, unknown> };
  return { ...data, ...GenerationRecordSchema.parse(data) };
}

function openAIClient(harness: TestGateway): OpenAI {
  return new OpenAI({ apiKey: harness.key, baseURL: harness.apiUrl, maxRetries: 0 });
}

function lastUpstreamBody(harness: TestGateway): Record<string, unknown> {
  const request = harness.upstream.requests.at(-1);
  assert.ok(request !== undefined, 'the upstream was called');
  assert.equal(request.path, '/v1/embeddings');
  return request.body as Record<string, unknown>;
}

describe('POST /api/v1/embeddings with the openai client', () => {
  test('the default base64 request decodes to exactly the vectors the upstream sent', async (t) => {
    const harness = await startGatewayFor(t);
    harness.upstream.route('/v1/embeddings', embeddingsUpstream());
    const { data: result, response } = await openAIClient(harness)
      .embeddings.create({ model: MODEL, input: ['alpha', 'beta'], user: 'customer-7' })
      .withResponse();
    assert.deepEqual(
      result.data.map((item) => item.embedding),
      VECTORS.slice(0, 2),
    );
    assert.deepEqual(
      result.data.map((item) => item.index),
      [0, 1],
    );
    const sent = lastUpstreamBody(harness);
    assert.equal(sent['encoding_format'], 'base64', 'the client asked base64; so is the upstream');
    assert.equal(sent['model'], 'upstream-embed-1');
    assert.deepEqual(sent['input'], ['alpha', 'beta']);

    const wire = EmbeddingsResponseSchema.parse(result);
    assert.match(wire.id, GENERATION_ID);
    assert.equal(response.headers.get('x-generation-id'), wire.id);
    assert.equal(wire.model, MODEL);
    assert.equal(wire.provider, 'Acme');
    assert.deepEqual(wire.usage, {
      prompt_tokens: PROMPT_TOKENS,
      total_tokens: PROMPT_TOKENS,
      cost: COST,
      price_version: configPriceVersion({ prompt: '0.00000002', completion: '0' }),
      cost_status: 'priced',
    });

    const record = await fetchRecord(harness, wire.id);
    assert.equal(record.api_type, 'embeddings');
    assert.equal(record.total_cost, COST, 'prompt tokens × prompt price, exactly');
    assert.equal(record.usage, wire.usage.cost);
    assert.equal(record.native_tokens_prompt, PROMPT_TOKENS);
    assert.equal(record.native_tokens_completion, 0);
    assert.equal(record.tokens_completion, 0);
    assert.ok((record.tokens_prompt ?? 0) > 0, 'the input texts are counted');
    assert.equal(record.finish_reason, null, 'embeddings have no finish reason');
    assert.equal(record.streamed, false);
    assert.equal(record.cancelled, false);
    assert.equal(record.provider_name, 'Acme');
    assert.equal(record.model, MODEL);
    assert.equal(record.external_user, 'customer-7');
    assert.equal(record.provider_responses?.[0]?.status, 200);
  });

  test('encoding_format float returns the upstream floats as they are', async (t) => {
    const harness = await startGatewayFor(t);
    harness.upstream.route('/v1/embeddings', embeddingsUpstream({ vectors: [INEXACT] }));
    const result = await openAIClient(harness).embeddings.create({
      model: MODEL,
      input: 'alpha',
      encoding_format: 'float',
    });
    assert.equal(lastUpstreamBody(harness)['encoding_format'], 'float');
    assert.deepEqual(result.data[0]?.embedding, INEXACT);
    assert.equal(result.usage.prompt_tokens, PROMPT_TOKENS);
  });

  test('an upstream that ignores base64 still answers base64 (float32, little-endian)', async (t) => {
    const harness = await startGatewayFor(t);
    harness.upstream.route(
      '/v1/embeddings',
      embeddingsUpstream({ encoding: 'float', vectors: [INEXACT] }),
    );
    const raw = await postJson(harness.apiUrl, '/embeddings', harness.key, {
      model: MODEL,
      input: 'alpha',
      encoding_format: 'base64',
    });
    assert.equal(raw.status, 200);
    const body = EmbeddingsResponseSchema.parse(await raw.json());
    assert.equal(body.data[0]?.embedding, toBase64(INEXACT));

    const decoded = await openAIClient(harness).embeddings.create({ model: MODEL, input: 'alpha' });
    assert.deepEqual(decoded.data[0]?.embedding, INEXACT.map(Math.fround));
  });

  test('an upstream that always sends base64 still answers floats when floats were asked', async (t) => {
    const harness = await startGatewayFor(t);
    harness.upstream.route('/v1/embeddings', embeddingsUpstream({ encoding: 'base64' }));
    const result = await openAIClient(harness).embeddings.create({
      model: MODEL,
      input: ['alpha', 'beta', 'gamma'],
      encoding_format: 'float',
    });
    assert.deepEqual(
      result.data.map((item) => item.embedding),
      VECTORS,
    );
  });
});

describe('POST /api/v1/embeddings with @openrouter/sdk and the AI SDK', () => {
  test('@openrouter/sdk embeddings.generate accepts the response', async (t) => {
    const harness = await startGatewayFor(t);
    harness.upstream.route('/v1/embeddings', embeddingsUpstream());
    const sdk = new OpenRouter({
      apiKey: harness.key,
      serverURL: harness.apiUrl,
      retryConfig: { strategy: 'none' },
    });
    const result = await sdk.embeddings.generate({
      requestBody: { model: MODEL, input: ['alpha', 'beta'] },
    });
    assert.ok(typeof result !== 'string', 'a JSON body, not text');
    assert.equal(result.object, 'list');
    assert.equal(result.model, MODEL);
    assert.deepEqual(
      result.data.map((item) => item.embedding),
      VECTORS.slice(0, 2),
    );
    assert.equal(result.usage?.promptTokens, PROMPT_TOKENS);
    assert.equal(result.usage?.cost, COST);
    assert.match(result.id ?? '', GENERATION_ID);
    const record = await fetchRecord(harness, result.id ?? '');
    assert.equal(record.total_cost, COST);
  });

  test('the AI SDK embed and embedMany read vectors, tokens and cost', async (t) => {
    const harness = await startGatewayFor(t);
    harness.upstream.route('/v1/embeddings', embeddingsUpstream());
    const openrouter = aiSdkOpenRouter(harness);
    const model = openrouter.textEmbeddingModel(MODEL);

    const single = await embed({ model, value: 'alpha', maxRetries: 0 });
    assert.deepEqual(single.embedding, VECTORS[0]);
    assert.equal(single.usage.tokens, PROMPT_TOKENS);
    assert.equal(lastUpstreamBody(harness)['encoding_format'], undefined, 'floats by default');
    const metadata = single.providerMetadata?.['openrouter'] as
      | { provider?: string; usage?: { cost?: number } }
      | undefined;
    assert.equal(metadata?.provider, 'Acme');
    assert.equal(metadata?.usage?.cost, COST);

    const many = await embedMany({ model, values: ['alpha', 'beta', 'gamma'], maxRetries: 0 });
    assert.deepEqual(many.embeddings, VECTORS);
    assert.equal(many.usage.tokens, PROMPT_TOKENS);
  });
});

describe('POST /api/v1/embeddings metering', () => {
  test('token-id inputs are counted as they are and billed from the upstream usage', async (t) => {
    const harness = await startGatewayFor(t);
    harness.upstream.route('/v1/embeddings', embeddingsUpstream({ encoding: 'float' }));
    const response = await postJson(harness.apiUrl, '/embeddings', harness.key, {
      model: MODEL,
      input: [
        [101, 102, 103],
        [7, 8],
      ],
    });
    assert.equal(response.status, 200);
    const body = EmbeddingsResponseSchema.parse(await response.json());
    assert.equal(body.data.length, 2);
    assert.deepEqual(lastUpstreamBody(harness)['input'], [
      [101, 102, 103],
      [7, 8],
    ]);
    const record = await fetchRecord(harness, body.id);
    assert.equal(record.tokens_prompt, 5);
    assert.equal(record['tokens_estimated'], true);
    assert.equal(record.total_cost, COST);
  });

  test('without upstream usage the reference count is billed, flagged as estimated', async (t) => {
    const harness = await startGatewayFor(t);
    harness.upstream.route('/v1/embeddings', embeddingsUpstream({ usage: false }));
    const response = await postJson(harness.apiUrl, '/embeddings', harness.key, {
      model: MODEL,
      input: 'alpha beta gamma',
      stream: true,
    });
    assert.equal(response.status, 200, '`stream` is ignored, as OpenRouter does');
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(lastUpstreamBody(harness)['stream'], undefined, 'never asked upstream');
    const body = EmbeddingsResponseSchema.parse(await response.json());
    const record = await fetchRecord(harness, body.id);
    const tokens = record.tokens_prompt ?? 0;
    assert.ok(tokens > 0);
    assert.equal(record.native_tokens_prompt, tokens);
    assert.equal(record['native_tokens_estimated'], true);
    assert.equal(body.usage.prompt_tokens, tokens);
    assert.equal(record.total_cost, Number(`${tokens * 2}e-8`));
    assert.equal(body.usage.cost, record.total_cost);
  });

  test('an upstream failure is recorded as an insured error', async (t) => {
    const harness = await startGatewayFor(t);
    harness.upstream.route('/v1/embeddings', {
      kind: 'json',
      status: 400,
      body: { error: { message: 'input too long', type: 'invalid_request_error' } },
    });
    const response = await postJson(harness.apiUrl, '/embeddings', harness.key, {
      model: MODEL,
      input: 'alpha',
    });
    assert.equal(response.status, 400);
    const id = response.headers.get('x-generation-id') ?? '';
    const record = await fetchRecord(harness, id);
    assert.equal(record.api_type, 'embeddings');
    assert.equal(record.finish_reason, 'error');
    assert.equal(record.total_cost, 0);
  });

  test('a response with the wrong number of vectors is a 502, recorded as an error', async (t) => {
    const harness = await startGatewayFor(t);
    harness.upstream.route('/v1/embeddings', {
      kind: 'json',
      body: { object: 'list', data: [{ object: 'embedding', index: 0, embedding: [1] }] },
    });
    const response = await postJson(harness.apiUrl, '/embeddings', harness.key, {
      model: MODEL,
      input: ['alpha', 'beta'],
    });
    assert.equal(response.status, 502);
    const body = (await response.json()) as { error: { message: string } };
    assert.match(body.error.message, /1 embeddings for 2 inputs/);
    const record = await fetchRecord(harness, response.headers.get('x-generation-id') ?? '');
    assert.equal(record.finish_reason, 'error');
    assert.equal(record.total_cost, 0);
  });

  test('a limited key holds the prompt bound only: nothing sent upstream as max_tokens', async (t) => {
    const harness = await startGatewayFor(t);
    harness.upstream.route('/v1/embeddings', embeddingsUpstream());
    const created = await postJson(harness.apiUrl, '/keys', harness.key, {
      name: 'limited',
      limit: 0.001,
    });
    const { key } = (await created.json()) as { key: string };
    const response = await postJson(harness.apiUrl, '/embeddings', key, {
      model: MODEL,
      input: 'alpha',
    });
    assert.equal(response.status, 200);
    assert.equal(lastUpstreamBody(harness)['max_tokens'], undefined);
  });
});

describe('POST /api/v1/embeddings refusals', () => {
  let harness: TestGateway;
  before(async () => {
    harness = await startTestGateway({ config: embeddingsConfig });
  });
  after(() => harness.close());

  const cases: Array<{ name: string; body: unknown; message: RegExp }> = [
    { name: 'a missing input', body: { model: MODEL }, message: /input/ },
    { name: 'an empty input list', body: { model: MODEL, input: [] }, message: /input.*empty/ },
    { name: 'an empty text', body: { model: MODEL, input: '' }, message: /input.*empty/ },
    {
      name: 'an empty item',
      body: { model: MODEL, input: ['a', ''] },
      message: /input\[1\].*empty/,
    },
    {
      name: 'more than 2048 inputs',
      body: { model: MODEL, input: Array.from({ length: 2049 }, () => 'x') },
      message: /input.*2049.*2048/,
    },
    {
      name: 'mixed texts and token ids',
      body: { model: MODEL, input: ['a', 1] },
      message: /input.*must be a string/,
    },
    {
      name: 'multimodal input',
      body: { model: MODEL, input: [{ content: [{ type: 'text', text: 'a' }] }] },
      message: /input.*must be a string/,
    },
    {
      name: 'an unknown encoding',
      body: { model: MODEL, input: 'a', encoding_format: 'binary' },
      message: /encoding_format/,
    },
    {
      name: 'zero dimensions',
      body: { model: MODEL, input: 'a', dimensions: 0 },
      message: /dimensions/,
    },
  ];
  for (const { name, body, message } of cases) {
    test(`answers 400 naming the field for ${name}, without calling the upstream`, async () => {
      const before = harness.upstream.requests.length;
      const response = await postJson(harness.apiUrl, '/embeddings', harness.key, body);
      assert.equal(response.status, 400);
      const error = ((await response.json()) as { error: { code: number; message: string } }).error;
      assert.equal(error.code, 400);
      assert.match(error.message, message);
      assert.equal(harness.upstream.requests.length, before);
    });
  }

  test('answers 404 when no endpoint of the model speaks embeddings', async () => {
    const before = harness.upstream.requests.length;
    const response = await postJson(harness.apiUrl, '/embeddings', harness.key, {
      model: 'test/chat-only',
      input: 'alpha',
    });
    assert.equal(response.status, 404);
    const error = ((await response.json()) as { error: { message: string } }).error;
    assert.match(error.message, /^No endpoints found/);
    assert.equal(harness.upstream.requests.length, before);
  });

  test('answers 401 without a key', async () => {
    const response = await postJson(harness.apiUrl, '/embeddings', null, {
      model: MODEL,
      input: 'a',
    });
    assert.equal(response.status, 401);
  });
});
