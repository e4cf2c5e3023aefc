import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import {
  buildPriceCatalog,
  CATALOG_PATH,
  shiftDecimal,
} from '../../../../scripts/build-price-catalog.mjs';
import type { EndpointConfig } from '../../src/config/config-schema.js';
import { ConfigError, parseConfig } from '../../src/config/load-config.js';
import { parseUsd } from '../../src/ledger/money.js';
import { assertCatalogPrices } from '../../src/prices/check-catalog-prices.js';
import { matchesRule, priceCatalog } from '../../src/prices/price-catalog.js';
import {
  configPriceVersion,
  resolveEndpointPrice,
} from '../../src/prices/resolve-endpoint-price.js';
import { ModelCatalog } from '../../src/routing/model-catalog.js';

/** A config with one model whose endpoint is `endpoint` on a provider of `kind`. */
function configWith(endpoint: Record<string, unknown>, kind = 'openai') {
  return {
    providers: [{ name: 'Upstream', kind, base_url: 'http://127.0.0.1:9/v1' }],
    models: [{ id: 'test/model', endpoints: [{ provider: 'Upstream', ...endpoint }] }],
  };
}

function endpointOf(endpoint: Record<string, unknown>, kind = 'openai') {
  const config = parseConfig(configWith(endpoint, kind), {}, 'test config');
  const catalog = ModelCatalog.fromConfig(config);
  const resolved = catalog.get('test/model')?.endpoints[0];
  assert.ok(resolved !== undefined);
  return resolved;
}

function configErrorOf(document: unknown): string {
  try {
    parseConfig(document, {}, 'test config');
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.message;
  }
  assert.fail('the config was accepted');
}

describe('shiftDecimal (per-million and per-thousand prices to per-unit strings)', () => {
  for (const [perMillion, perToken] of [
    [0.075, '0.000000075'],
    [1.25, '0.00000125'],
    [0.0375, '0.0000000375'],
    [3.75, '0.00000375'],
    [15, '0.000015'],
    [0.15, '0.00000015'],
    [0.1, '0.0000001'],
    [0, '0'],
    [0.000001, '0.000000000001'],
    [1e-7, null],
    [1500, '0.0015'],
  ] as const) {
    test(`$${perMillion} per million tokens is ${String(perToken)} per token`, () => {
      assert.equal(shiftDecimal(perMillion, 6), perToken);
    });
  }

  test('is exact where float division is not (0.1 / 1e6 is 1.0000000000000001e-7)', () => {
    assert.equal(String(0.1 / 1e6), '1.0000000000000001e-7');
    assert.equal(shiftDecimal(0.1, 6), '0.0000001');
    assert.equal(parseUsd(shiftDecimal(0.1, 6) ?? ''), 100_000n);
    assert.equal(parseUsd(shiftDecimal(0.075, 6) ?? ''), 75_000n);
  });

  test('reads numbers whose shortest form has an exponent', () => {
    assert.equal(String(1e-7), '1e-7');
    assert.equal(shiftDecimal(1e-7, 3), '0.0000000001');
    assert.equal(shiftDecimal(2.5e-7, 3), '0.00000000025');
    assert.equal(shiftDecimal(1e21, 6), '1000000000000000');
  });

  test('converts per-thousand counts (requests, searches) by three places', () => {
    assert.equal(shiftDecimal(10, 3), '0.01');
    assert.equal(shiftDecimal(2.5, 3), '0.0025');
    assert.equal(shiftDecimal(35, 3), '0.035');
  });

  test('refuses a value whose exact quotient needs more than 12 decimals', () => {
    // Float artefacts in the source data, reported and skipped by the script.
    assert.equal(shiftDecimal(0.08333333333333334, 6), null);
    assert.equal(shiftDecimal(0.18000000000000002, 6), null);
  });

  test('refuses negative and non-finite numbers', () => {
    assert.throws(() => shiftDecimal(-1, 6), RangeError);
    assert.throws(() => shiftDecimal(Number.NaN, 6), RangeError);
    assert.throws(() => shiftDecimal(Number.POSITIVE_INFINITY, 6), RangeError);
  });
});

describe('the committed price catalog', () => {
  test('equals a fresh build from the pinned @pydantic/genai-prices (npm run prices)', async () => {
    const { text } = await buildPriceCatalog();
    assert.equal(readFileSync(CATALOG_PATH, 'utf8'), text, 'run npm run prices and commit');
  });

  test('has a version id naming the package and hashing the prices, tiers and match rules', () => {
    const file = JSON.parse(readFileSync(CATALOG_PATH, 'utf8'));
    const hash = createHash('sha256')
      .update(JSON.stringify({ providers: file.providers, tiers: file.tiers, match: file.match }))
      .digest('hex')
      .slice(0, 12);
    assert.equal(file.version, `genai-prices@0.1.8+${hash}`);
    assert.equal(priceCatalog().version, file.version);
    assert.equal(priceCatalog().size, file.model_count);
  });

  test('holds every price as a plain decimal the cost engine parses exactly', () => {
    const file = JSON.parse(readFileSync(CATALOG_PATH, 'utf8')) as {
      providers: Record<string, Record<string, Record<string, string>>>;
    };
    for (const [provider, models] of Object.entries(file.providers)) {
      for (const [model, pricing] of Object.entries(models)) {
        for (const [field, value] of Object.entries(pricing)) {
          assert.doesNotThrow(() => parseUsd(value), `${provider}/${model}.${field} = ${value}`);
        }
      }
    }
  });

  test('finds models by id, by the dataset alias rules and by dated names, case-insensitively', () => {
    const catalog = priceCatalog();
    assert.deepEqual(catalog.find('openai', 'gpt-4o-mini')?.pricing, {
      prompt: '0.00000015',
      completion: '0.0000006',
      input_cache_read: '0.000000075',
      web_search: '0.01',
    });
    assert.equal(catalog.find('openai', 'gpt-4o-mini-2024-07-18')?.model, 'gpt-4o-mini');
    assert.equal(catalog.find('openai', 'GPT-4o-Mini')?.model, 'gpt-4o-mini');
    assert.equal(
      catalog.find('anthropic', 'claude-sonnet-4-5-20250929')?.model,
      'claude-sonnet-4-5',
    );
    assert.equal(catalog.find('google', 'gemini-2.5-pro')?.pricing.prompt, '0.00000125');
    assert.equal(catalog.find('openrouter', 'openai/gpt-4o')?.pricing.prompt, '0.0000025');
    assert.equal(catalog.find('anthropic', 'claude-x'), undefined);
    assert.equal(catalog.find('no-such-provider', 'gpt-4o-mini'), undefined);
  });

  test('evaluates match rules as the dataset does', () => {
    const rule = { and: [{ starts_with: 'Gemini-2.5-pro' }, { regex: '^(?!.*-tts)' }] };
    assert.equal(matchesRule(rule, 'gemini-2.5-pro-preview'), true);
    assert.equal(matchesRule(rule, 'gemini-2.5-pro-tts'), false);
    assert.equal(matchesRule({ or: [{ equals: 'a' }, { ends_with: '-b' }] }, 'x-b'), true);
    assert.equal(matchesRule({ contains: 'mini' }, 'gpt-4o'), false);
  });
});

describe('endpoint prices from config and catalog', () => {
  const CONFIG_PRICING = { prompt: '0.000001', completion: '0.000002' };

  test('takes catalog prices when the endpoint sets none, versioned by the catalog', () => {
    const endpoint = endpointOf({ model: 'gpt-4o-mini' });
    assert.equal(endpoint.priceVersion, priceCatalog().version);
    assert.deepEqual(endpoint.pricing, priceCatalog().find('openai', 'gpt-4o-mini')?.pricing);
    assert.equal(endpoint.prices.prompt, 150_000n);
    assert.equal(endpoint.prices.completion, 600_000n);
    assert.equal(endpoint.prices.inputCacheRead, 75_000n);
  });

  test('prefers config pricing over the catalog, versioned config:<sha256 of the prices>', () => {
    const endpoint = endpointOf({ model: 'gpt-4o-mini', pricing: CONFIG_PRICING });
    // The hash is over the pricing object with its keys sorted.
    const canonical = JSON.stringify({ completion: '0.000002', prompt: '0.000001' });
    const digest = createHash('sha256').update(canonical).digest('hex');
    assert.equal(endpoint.priceVersion, `config:${digest.slice(0, 12)}`);
    assert.deepEqual(endpoint.pricing, CONFIG_PRICING);
    assert.equal(endpoint.prices.prompt, 1_000_000n);
  });

  test('gives the same config version whatever the key order, and a new one for new prices', () => {
    const reordered = { completion: '0.000002', prompt: '0.000001' };
    assert.equal(configPriceVersion(reordered), configPriceVersion(CONFIG_PRICING));
    assert.notEqual(
      configPriceVersion({ ...CONFIG_PRICING, prompt: '0.0000011' }),
      configPriceVersion(CONFIG_PRICING),
    );
    assert.match(configPriceVersion(CONFIG_PRICING), /^config:[0-9a-f]{12}$/);
  });

  test('looks gemini endpoints up under google and anthropic under anthropic', () => {
    assert.equal(endpointOf({ model: 'gemini-2.5-flash' }, 'gemini').pricing.prompt, '0.0000003');
    assert.equal(
      endpointOf({ model: 'claude-sonnet-4-5-20250929' }, 'anthropic').pricing.input_cache_write,
      '0.00000375',
    );
  });

  test('looks up another catalog provider or model when price says so', () => {
    const endpoint = endpointOf({
      model: 'my-deployment',
      price: { provider: 'openrouter', model: 'openai/gpt-4o' },
    });
    assert.deepEqual(endpoint.pricing, priceCatalog().find('openrouter', 'openai/gpt-4o')?.pricing);
    assert.equal(endpoint.priceVersion, priceCatalog().version);
  });

  test('refuses (at start, after parsing) an endpoint with no price, naming it and the catalog version', () => {
    const config = parseConfig(configWith({ model: 'claude-x' }, 'anthropic'), {}, 'test config');
    assert.throws(
      () => assertCatalogPrices(config, 'test config'),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError, String(error));
        assert.equal(
          error.message,
          'test config is invalid:\n' +
            `  - models[0].endpoints[0]: no price for anthropic/claude-x in the price catalog ${priceCatalog().version}; ` +
            'set pricing (USD per token), price.model to a catalog entry, or pricing: unpriced',
        );
        return true;
      },
    );
  });

  test('serves an endpoint unpriced only on the explicit opt-in', () => {
    const endpoint = endpointOf({ model: 'claude-x', pricing: 'unpriced' }, 'anthropic');
    assert.equal(endpoint.priceVersion, null);
    assert.deepEqual(endpoint.pricing, { prompt: '-1', completion: '-1' });
    assert.equal(endpoint.prices.prompt, 0n);
    assert.equal(endpoint.prices.completion, 0n);
  });

  test('refuses pricing together with price, and a pricing string other than unpriced', () => {
    assert.match(
      configErrorOf(configWith({ model: 'gpt-4o', pricing: CONFIG_PRICING, price: {} })),
      /models\[0\]\.endpoints\[0\]: `price` selects a catalog entry and `pricing` replaces it/,
    );
    assert.match(
      configErrorOf(configWith({ model: 'gpt-4o', pricing: 'free' })),
      /models\[0\]\.endpoints\[0\]\.pricing: must be a pricing object or "unpriced"/,
    );
  });

  test('resolves straight from a validated endpoint (the config schema has refused the rest)', () => {
    const endpoint: EndpointConfig = { provider: 'Upstream', model: 'claude-x' };
    assert.throws(() => resolveEndpointPrice(endpoint, 'anthropic'), /no price for anthropic/);
  });
});

describe('long-context tiers in the catalog', () => {
  test('lists Gemini 2.5 Pro at its base price with its price above 200k prompt tokens', () => {
    const found = priceCatalog().find('google', 'gemini-2.5-pro');
    assert.deepEqual(found?.pricing, {
      prompt: '0.00000125',
      completion: '0.00001',
      input_cache_read: '0.000000125',
    });
    assert.deepEqual(found?.tiers, [
      {
        prompt_tokens_above: 200_000,
        pricing: { prompt: '0.0000025', completion: '0.000015', input_cache_read: '0.00000025' },
      },
    ]);
  });

  test('lists no tiers for a flat-priced model', () => {
    assert.deepEqual(priceCatalog().find('openai', 'gpt-4o-mini')?.tiers, []);
  });
});
