import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { OpenRouter } from '@openrouter/sdk';
import { ChatCompletionSchema, ModelsListResponseSchema } from '@tollgate/protocol';
import { parseUsd, toUsdNumber } from '../../src/ledger/money.js';
import { priceCatalog } from '../../src/prices/price-catalog.js';
import { getGeneration, postJson, readSse } from '../helpers/http.js';
import { openAIChatCompletion, openAIStreamEvents } from '../helpers/openai-fixtures.js';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

const messages = [{ role: 'user', content: 'Say hello' }];

/** Two models on one OpenAI-compatible fake upstream: one catalog-priced, one unpriced. */
function catalogConfig(upstreamUrl: string): unknown {
  return {
    providers: [
      { name: 'Acme', kind: 'openai', base_url: `${upstreamUrl}/v1` },
      { name: 'Mystery Host', kind: 'openai', base_url: `${upstreamUrl}/v1` },
    ],
    models: [
      // No pricing: priced from the catalog's openai/gpt-4o-mini entry.
      { id: 'openai/gpt-4o-mini', endpoints: [{ provider: 'Acme', model: 'gpt-4o-mini' }] },
      {
        id: 'local/mystery',
        endpoints: [{ provider: 'Acme', model: 'mystery-1', pricing: 'unpriced' }],
      },
      {
        id: 'mixed/model',
        endpoints: [
          { provider: 'Mystery Host', model: 'mystery-1', pricing: 'unpriced' },
          { provider: 'Acme', model: 'gpt-4o-mini' },
        ],
      },
    ],
  };
}

async function recordOf(harness: TestGateway, id: string): Promise<Record<string, unknown>> {
  const response = await getGeneration(harness.apiUrl, harness.key, id);
  assert.equal(response.status, 200);
  return ((await response.json()) as { data: Record<string, unknown> }).data;
}

describe('prices from the committed catalog', () => {
  let harness: TestGateway;
  before(async () => {
    harness = await startTestGateway({ config: catalogConfig });
  });
  after(() => harness.close());

  test('charges a model with no config pricing at the catalog price, exactly, and records the version', async () => {
    const catalogPrice = priceCatalog().find('openai', 'gpt-4o-mini');
    assert.ok(catalogPrice !== undefined);
    harness.upstream.route('/v1/chat/completions', {
      kind: 'json',
      body: openAIChatCompletion({
        usage: { prompt_tokens: 1000, cached_tokens: 300, completion_tokens: 200 },
      }),
    });
    const response = await postJson(harness.apiUrl, '/chat/completions', harness.key, {
      model: 'openai/gpt-4o-mini',
      messages,
    });
    assert.equal(response.status, 200);
    const body = ChatCompletionSchema.parse(await response.json());

    const { pricing } = catalogPrice;
    const expected =
      700n * parseUsd(pricing.prompt) +
      300n * parseUsd(pricing.input_cache_read ?? pricing.prompt) +
      200n * parseUsd(pricing.completion);
    // $0.15/M × 700 + $0.075/M × 300 + $0.60/M × 200 = $0.0002475
    assert.equal(expected, 247_500_000n);
    assert.equal(body.usage.cost, toUsdNumber(expected));
    assert.equal(body.usage.price_version, priceCatalog().version);
    assert.equal(body.usage.cost_status, 'priced');

    const record = await recordOf(harness, body.id);
    assert.equal(record['price_version'], priceCatalog().version);
    assert.match(String(record['price_version']), /^genai-prices@0\.1\.8\+[0-9a-f]{12}$/);
    assert.equal(record['cost_status'], 'priced');
    assert.equal(record['total_cost'], 0.0002475);
    assert.equal((record['cost_breakdown'] as Record<string, string>)['total'], '0.0002475');
  });

  test('lists the catalog price of a model with no config pricing', async () => {
    const response = await fetch(`${harness.apiUrl}/models`);
    const listing = ModelsListResponseSchema.parse(await response.json());
    const model = listing.data.find((entry) => entry.id === 'openai/gpt-4o-mini');
    assert.deepEqual(model?.pricing, priceCatalog().find('openai', 'gpt-4o-mini')?.pricing);
  });

  test('lists an unpriced model at "-1", never at $0', async () => {
    const response = await fetch(`${harness.apiUrl}/models`);
    const listing = ModelsListResponseSchema.parse(await response.json());
    const model = listing.data.find((entry) => entry.id === 'local/mystery');
    assert.deepEqual(model?.pricing, { prompt: '-1', completion: '-1' });
  });

  test('flags an unpriced generation: no charge computed, nullable amounts null, the SDK still parses it', async () => {
    harness.upstream.route('/v1/chat/completions', {
      kind: 'json',
      body: openAIChatCompletion({ usage: { prompt_tokens: 40, completion_tokens: 9 } }),
    });
    const response = await postJson(harness.apiUrl, '/chat/completions', harness.key, {
      model: 'local/mystery',
      messages,
    });
    assert.equal(response.status, 200);
    const body = ChatCompletionSchema.parse(await response.json());
    assert.equal(body.usage.cost_status, 'unpriced');
    assert.equal(body.usage.price_version, null);
    assert.equal(body.usage.cost, 0);
    assert.equal(body.usage.cost_details.upstream_inference_cost, null);

    const record = await recordOf(harness, body.id);
    assert.equal(record['cost_status'], 'unpriced');
    assert.equal(record['price_version'], null);
    assert.equal(record['cost_breakdown'], null);
    assert.equal(record['cache_discount'], null);
    assert.equal(record['upstream_inference_cost'], null);
    assert.equal(record['total_cost'], 0);
    assert.equal(record['usage'], 0);
    assert.equal(record['native_tokens_prompt'], 40);
    assert.equal(record['native_tokens_completion'], 9);

    const client = new OpenRouter({
      apiKey: harness.key,
      serverURL: harness.apiUrl,
      retryConfig: { strategy: 'none' },
    });
    const { data } = await client.generations.getGeneration({ id: body.id });
    assert.equal(data.totalCost, 0);
    assert.equal(data.cacheDiscount, null);
    assert.equal(data.upstreamInferenceCost, null);
  });

  test('carries the price version in the final usage chunk of a stream', async () => {
    harness.upstream.route('/v1/chat/completions', {
      kind: 'sse',
      events: openAIStreamEvents({
        contents: ['Hel', 'lo'],
        usage: { prompt_tokens: 10, completion_tokens: 2 },
      }),
    });
    const response = await postJson(harness.apiUrl, '/chat/completions', harness.key, {
      model: 'openai/gpt-4o-mini',
      messages,
      stream: true,
    });
    const { chunks, done } = await readSse(response);
    assert.equal(done, true);
    const usage = chunks.at(-1)?.['usage'] as Record<string, unknown> | undefined;
    assert.equal(usage?.['price_version'], priceCatalog().version);
    assert.equal(usage?.['cost_status'], 'priced');
    // 10 × $0.00000015 + 2 × $0.0000006
    assert.equal(usage?.['cost'], 0.0000027);
  });

  test('never routes to an unpriced endpoint as the cheapest, nor under a max_price', async () => {
    harness.upstream.route('/v1/chat/completions', {
      kind: 'json',
      body: openAIChatCompletion({ usage: { prompt_tokens: 5, completion_tokens: 5 } }),
    });
    const providerFor = async (preferences: object) => {
      const response = await postJson(harness.apiUrl, '/chat/completions', harness.key, {
        model: 'mixed/model',
        messages,
        provider: preferences,
      });
      assert.equal(response.status, 200);
      return ChatCompletionSchema.parse(await response.json()).provider;
    };
    assert.equal(await providerFor({}), 'Mystery Host', 'configuration order by default');
    assert.equal(await providerFor({ sort: 'price' }), 'Acme', 'unknown is not cheapest');
    assert.equal(await providerFor({ max_price: { prompt: 1000 } }), 'Acme');
  });
});
