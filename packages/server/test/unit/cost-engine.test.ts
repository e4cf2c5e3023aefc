// Over 500 lines on purpose: one table row per pricing rule, kept in one file so it reads as the spec.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Pricing } from '@tollgate/protocol';
import {
  byokFee,
  byokFeeBound,
  type CostBreakdown,
  completionSideCost,
  computeCost,
  type EndpointPrices,
  isInsured,
  type MeteredUsage,
  parseFeePercent,
  parsePricing,
  promptSideCost,
} from '../../src/ledger/cost-engine.js';

// mulberry32: a tiny seeded PRNG, so every run checks the same values.
function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return (value ^ (value >>> 14)) >>> 0;
  };
}

function usageOf(partial: Partial<MeteredUsage>): MeteredUsage {
  return {
    promptTokens: 0,
    completionTokens: 0,
    cachedTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    promptImages: 0,
    webSearchResults: 0,
    audioTokens: 0,
    ...partial,
  };
}

type Components = Omit<CostBreakdown, 'total' | 'cacheDiscount' | 'insured'>;

const NO_CHARGE: Components = {
  prompt: 0n,
  cacheRead: 0n,
  cacheWrite: 0n,
  completion: 0n,
  reasoning: 0n,
  request: 0n,
  image: 0n,
  webSearch: 0n,
  audio: 0n,
};

function sumOf(components: Components): bigint {
  return (
    components.prompt +
    components.cacheRead +
    components.cacheWrite +
    components.completion +
    components.reasoning +
    components.request +
    components.image +
    components.webSearch +
    components.audio
  );
}

// $2 / M prompt tokens (2e6 pico each), $10 / M completion tokens (1e7 pico each).
const BASE: Pricing = { prompt: '0.000002', completion: '0.00001' };

describe('parsePricing', () => {
  test('parses every price exactly into pico-USD', () => {
    const prices = parsePricing({
      prompt: '0.000003',
      completion: '0.000015',
      input_cache_read: '0.0000003',
      input_cache_write: '0.00000375',
      internal_reasoning: '0.00002',
      request: '0.0005',
      image: '0.0048',
      web_search: '0.004',
      audio: '0.00004',
    });
    assert.deepEqual(prices, {
      prompt: 3_000_000n,
      completion: 15_000_000n,
      inputCacheRead: 300_000n,
      inputCacheWrite: 3_750_000n,
      internalReasoning: 20_000_000n,
      request: 500_000_000n,
      image: 4_800_000_000n,
      webSearch: 4_000_000_000n,
      audio: 40_000_000n,
      tiers: [],
    } satisfies EndpointPrices);
  });

  test('leaves unset cache and reasoning prices null and unset fees zero', () => {
    assert.deepEqual(parsePricing(BASE), {
      prompt: 2_000_000n,
      completion: 10_000_000n,
      inputCacheRead: null,
      inputCacheWrite: null,
      internalReasoning: null,
      request: 0n,
      image: 0n,
      webSearch: 0n,
      audio: null,
      tiers: [],
    } satisfies EndpointPrices);
  });

  test('rejects a price that is not a plain decimal string', () => {
    assert.throws(() => parsePricing({ prompt: '1e-6', completion: '0' }), RangeError);
  });
});

describe('computeCost components', () => {
  interface Case {
    title: string;
    pricing: Pricing;
    usage: Partial<MeteredUsage>;
    expected: Partial<Components>;
    cacheDiscount?: bigint;
  }
  const cases: Case[] = [
    {
      title: 'charges audio prompt tokens at the audio price and the rest of the prompt at prompt',
      pricing: { ...BASE, audio: '0.00004' },
      usage: { promptTokens: 1000, audioTokens: 300 },
      expected: { prompt: 700n * 2_000_000n, audio: 300n * 40_000_000n },
    },
    {
      title: 'charges audio prompt tokens at the prompt price when the endpoint has no audio price',
      pricing: BASE,
      usage: { promptTokens: 1000, audioTokens: 300 },
      expected: { prompt: 1000n * 2_000_000n },
    },
    {
      title: 'never charges more audio tokens than uncached prompt tokens',
      pricing: { ...BASE, audio: '0.00004', input_cache_read: '0.0000002' },
      usage: { promptTokens: 1000, cachedTokens: 900, audioTokens: 500 },
      expected: { cacheRead: 900n * 200_000n, audio: 100n * 40_000_000n },
      cacheDiscount: 900n * 1_800_000n,
    },
    {
      title: 'charges uncached prompt tokens at the prompt price',
      pricing: BASE,
      usage: { promptTokens: 1000 },
      expected: { prompt: 2_000_000_000n },
    },
    {
      title:
        'charges cache reads at input_cache_read and the rest of the prompt at the prompt price',
      pricing: { ...BASE, input_cache_read: '0.0000005' },
      usage: { promptTokens: 1000, cachedTokens: 400 },
      expected: { prompt: 1_200_000_000n, cacheRead: 200_000_000n },
      cacheDiscount: 600_000_000n,
    },
    {
      title: 'charges cache reads at the prompt price when input_cache_read is unset',
      pricing: BASE,
      usage: { promptTokens: 1000, cachedTokens: 400 },
      expected: { prompt: 1_200_000_000n, cacheRead: 800_000_000n },
      cacheDiscount: 0n,
    },
    {
      title: 'charges cache writes at input_cache_write',
      pricing: { ...BASE, input_cache_write: '0.0000025' },
      usage: { promptTokens: 1000, cacheWriteTokens: 300 },
      expected: { prompt: 1_400_000_000n, cacheWrite: 750_000_000n },
      cacheDiscount: -150_000_000n,
    },
    {
      title: 'charges cache writes at the prompt price when input_cache_write is unset',
      pricing: BASE,
      usage: { promptTokens: 1000, cacheWriteTokens: 300 },
      expected: { prompt: 1_400_000_000n, cacheWrite: 600_000_000n },
      cacheDiscount: 0n,
    },
    {
      title: 'charges completion tokens at the completion price',
      pricing: BASE,
      usage: { completionTokens: 50 },
      expected: { completion: 500_000_000n },
    },
    {
      title: 'charges reasoning tokens at internal_reasoning and the rest at the completion price',
      pricing: { ...BASE, internal_reasoning: '0.000015' },
      usage: { completionTokens: 50, reasoningTokens: 20 },
      expected: { completion: 300_000_000n, reasoning: 300_000_000n },
    },
    {
      title: 'charges reasoning tokens at the completion price when internal_reasoning is unset',
      pricing: BASE,
      usage: { completionTokens: 50, reasoningTokens: 20 },
      expected: { completion: 300_000_000n, reasoning: 200_000_000n },
    },
    {
      title: 'charges the request fee once per generation',
      pricing: { ...BASE, request: '0.0002' },
      usage: { promptTokens: 10, completionTokens: 5 },
      expected: { prompt: 20_000_000n, completion: 50_000_000n, request: 200_000_000n },
    },
    {
      title: 'charges the image price per prompt image',
      pricing: { ...BASE, image: '0.001' },
      usage: { promptTokens: 10, completionTokens: 1, promptImages: 3 },
      expected: { prompt: 20_000_000n, completion: 10_000_000n, image: 3_000_000_000n },
    },
    {
      title: 'charges the web search price per search result',
      pricing: { ...BASE, web_search: '0.004' },
      usage: { promptTokens: 10, completionTokens: 1, webSearchResults: 5 },
      expected: { prompt: 20_000_000n, completion: 10_000_000n, webSearch: 20_000_000_000n },
    },
    {
      title: 'caps reasoning tokens at the completion tokens they are part of',
      pricing: { ...BASE, internal_reasoning: '0.00003' },
      usage: { completionTokens: 10, reasoningTokens: 25 },
      expected: { reasoning: 300_000_000n },
    },
    {
      title: 'caps cached tokens at the prompt tokens they are part of',
      pricing: { ...BASE, input_cache_read: '0.0000005' },
      usage: { promptTokens: 100, cachedTokens: 150, completionTokens: 1 },
      expected: { cacheRead: 50_000_000n, completion: 10_000_000n },
      cacheDiscount: 150_000_000n,
    },
    {
      title: 'caps cache writes at the prompt tokens left after cache reads',
      pricing: { ...BASE, input_cache_read: '0.0000005', input_cache_write: '0.0000025' },
      usage: { promptTokens: 100, cachedTokens: 60, cacheWriteTokens: 60, completionTokens: 1 },
      expected: { cacheRead: 30_000_000n, cacheWrite: 100_000_000n, completion: 10_000_000n },
      cacheDiscount: 60n * 1_500_000n - 40n * 500_000n,
    },
    {
      title: 'charges one pico-USD for one token at the smallest price',
      pricing: { prompt: '0.000000000001', completion: '0' },
      usage: { promptTokens: 1, completionTokens: 3 },
      expected: { prompt: 1n },
    },
    {
      title: 'adds decimal prices without binary rounding (3 × $0.1 = $0.3)',
      pricing: { prompt: '0.1', completion: '0' },
      usage: { promptTokens: 3, completionTokens: 1 },
      expected: { prompt: 300_000_000_000n },
    },
  ];

  for (const { title, pricing, usage, expected, cacheDiscount } of cases) {
    test(title, () => {
      const cost = computeCost(usageOf(usage), parsePricing(pricing), 'stop');
      const components = { ...NO_CHARGE, ...expected };
      assert.deepEqual(cost, {
        ...components,
        total: sumOf(components),
        cacheDiscount: cacheDiscount ?? 0n,
        insured: false,
      });
    });
  }
});

describe('computeCost conventions', () => {
  test('counts cached and cache-write tokens inside prompt tokens, not on top of them', () => {
    // With every prompt-side price equal, splitting the prompt must not change its cost.
    const pricing: Pricing = {
      ...BASE,
      input_cache_read: BASE.prompt,
      input_cache_write: BASE.prompt,
    };
    const cost = computeCost(
      usageOf({
        promptTokens: 1000,
        cachedTokens: 300,
        cacheWriteTokens: 200,
        completionTokens: 1,
      }),
      parsePricing(pricing),
      'stop',
    );
    assert.equal(cost.prompt + cost.cacheRead + cost.cacheWrite, 1000n * 2_000_000n);
    assert.equal(cost.prompt, 500n * 2_000_000n);
    assert.equal(cost.cacheDiscount, 0n);
  });

  test('counts reasoning tokens inside completion tokens, not on top of them', () => {
    const cost = computeCost(
      usageOf({ completionTokens: 100, reasoningTokens: 70 }),
      parsePricing(BASE),
      'stop',
    );
    assert.equal(cost.completion + cost.reasoning, 100n * 10_000_000n);
    assert.equal(cost.completion, 30n * 10_000_000n);
  });

  test('reports cache_discount positive for cheaper cache reads', () => {
    const cost = computeCost(
      usageOf({ promptTokens: 1000, cachedTokens: 1000, completionTokens: 1 }),
      parsePricing({ ...BASE, input_cache_read: '0.0000002' }),
      'stop',
    );
    assert.equal(cost.cacheDiscount, 1000n * (2_000_000n - 200_000n));
    assert.ok(cost.cacheDiscount > 0n);
  });

  test('reports cache_discount negative for a cache write premium', () => {
    const cost = computeCost(
      usageOf({ promptTokens: 1000, cacheWriteTokens: 1000, completionTokens: 1 }),
      parsePricing({ ...BASE, input_cache_write: '0.0000025' }),
      'stop',
    );
    assert.equal(cost.cacheDiscount, -1000n * 500_000n);
    assert.ok(cost.cacheDiscount < 0n);
  });

  test('nets cache-read savings against the cache-write premium', () => {
    const cost = computeCost(
      usageOf({
        promptTokens: 1000,
        cachedTokens: 100,
        cacheWriteTokens: 800,
        completionTokens: 1,
      }),
      parsePricing({ ...BASE, input_cache_read: '0.0000002', input_cache_write: '0.0000025' }),
      'stop',
    );
    assert.equal(cost.cacheDiscount, 100n * 1_800_000n - 800n * 500_000n);
  });
});

describe('computeCost totals, calculated by hand', () => {
  test('prices a generation using every component', () => {
    const prices = parsePricing({
      prompt: '0.000003',
      completion: '0.000015',
      input_cache_read: '0.0000003',
      input_cache_write: '0.00000375',
      internal_reasoning: '0.00002',
      request: '0.0005',
      image: '0.0048',
      web_search: '0.004',
    });
    const cost = computeCost(
      {
        promptTokens: 12_345,
        completionTokens: 789,
        cachedTokens: 4096,
        cacheWriteTokens: 2048,
        reasoningTokens: 300,
        promptImages: 2,
        webSearchResults: 3,
        audioTokens: 0,
      },
      prices,
      'stop',
    );
    assert.deepEqual(cost, {
      prompt: 18_603_000_000n, // (12345 − 4096 − 2048) × 3e6
      cacheRead: 1_228_800_000n, // 4096 × 3e5
      cacheWrite: 7_680_000_000n, // 2048 × 3.75e6
      completion: 7_335_000_000n, // (789 − 300) × 1.5e7
      reasoning: 6_000_000_000n, // 300 × 2e7
      request: 500_000_000n,
      image: 9_600_000_000n, // 2 × 4.8e9
      webSearch: 12_000_000_000n, // 3 × 4e9
      audio: 0n,
      total: 62_946_800_000n, // $0.0629468
      cacheDiscount: 9_523_200_000n, // 4096 × 2.7e6 − 2048 × 7.5e5
      insured: false,
    });
    assert.equal(promptSideCost(cost), 49_611_800_000n);
    assert.equal(completionSideCost(cost), 13_335_000_000n);
  });

  test('prices a plain chat turn', () => {
    const cost = computeCost(
      usageOf({ promptTokens: 27, completionTokens: 412 }),
      parsePricing({ prompt: '0.00000015', completion: '0.0000006' }),
      'stop',
    );
    // 27 × 150000 + 412 × 600000 = 4,050,000 + 247,200,000 pico = $0.00025125
    assert.equal(cost.total, 251_250_000n);
  });
});

describe('zero-completion insurance', () => {
  const pricing: Pricing = { ...BASE, request: '0.0002', image: '0.001', web_search: '0.004' };

  const verdicts: Array<[number, string | null, boolean]> = [
    [0, null, true],
    [0, '', true],
    [0, 'stop', false],
    [0, 'length', false],
    [5, null, false],
    [5, '', false],
    [5, 'stop', false],
    [0, 'error', true],
    [5, 'error', true],
  ];
  for (const [completionTokens, finishReason, insured] of verdicts) {
    test(`isInsured(${completionTokens}, ${JSON.stringify(finishReason)}) is ${insured}`, () => {
      assert.equal(isInsured(completionTokens, finishReason), insured);
    });
  }

  for (const finishReason of [null, '']) {
    test(`charges nothing for zero completion tokens with finish reason ${JSON.stringify(finishReason)}`, () => {
      const cost = computeCost(
        usageOf({ promptTokens: 5000, cachedTokens: 1000, promptImages: 2 }),
        parsePricing(pricing),
        finishReason,
      );
      assert.deepEqual(cost, { ...NO_CHARGE, total: 0n, cacheDiscount: 0n, insured: true });
    });
  }

  test('charges prompt and request fee for zero completion tokens when the model stopped', () => {
    const cost = computeCost(usageOf({ promptTokens: 5000 }), parsePricing(pricing), 'stop');
    assert.equal(cost.insured, false);
    assert.equal(cost.total, 5000n * 2_000_000n + 200_000_000n);
  });

  test('charges what was produced when completion tokens exist without a finish reason', () => {
    const cost = computeCost(
      usageOf({ promptTokens: 100, completionTokens: 7 }),
      parsePricing(pricing),
      null,
    );
    assert.equal(cost.insured, false);
    assert.equal(cost.total, 100n * 2_000_000n + 7n * 10_000_000n + 200_000_000n);
  });

  test('charges nothing for a generation that ended in an error, whatever it produced', () => {
    const cost = computeCost(
      usageOf({ promptTokens: 100, completionTokens: 40, reasoningTokens: 10 }),
      parsePricing(pricing),
      'error',
    );
    assert.deepEqual(cost, { ...NO_CHARGE, total: 0n, cacheDiscount: 0n, insured: true });
  });

  test('still bills web search results when insured', () => {
    const cost = computeCost(
      usageOf({ promptTokens: 100, webSearchResults: 2 }),
      parsePricing(pricing),
      null,
    );
    assert.deepEqual(cost, {
      ...NO_CHARGE,
      webSearch: 8_000_000_000n,
      total: 8_000_000_000n,
      cacheDiscount: 0n,
      insured: true,
    });
  });
});

describe('computeCost properties', () => {
  const FINISH_REASONS = [null, '', 'stop', 'length', 'tool_calls', 'error'] as const;

  function randomPrice(next: () => number): string {
    const micros = next() % 100_000; // up to $0.1 per unit
    const extra = next() % 1_000_000; // six more decimals
    return `0.${String(micros).padStart(6, '0')}${String(extra).padStart(6, '0')}`;
  }

  function randomPricing(next: () => number): Pricing {
    const pricing: Pricing = { prompt: randomPrice(next), completion: randomPrice(next) };
    if (next() % 2 === 0) pricing.input_cache_read = randomPrice(next);
    if (next() % 2 === 0) pricing.input_cache_write = randomPrice(next);
    if (next() % 2 === 0) pricing.internal_reasoning = randomPrice(next);
    if (next() % 2 === 0) pricing.request = randomPrice(next);
    if (next() % 2 === 0) pricing.image = randomPrice(next);
    if (next() % 2 === 0) pricing.web_search = randomPrice(next);
    if (next() % 3 === 0) pricing.audio = randomPrice(next);
    return pricing;
  }

  function randomUsage(next: () => number): MeteredUsage {
    const promptTokens = next() % 2_000_001;
    const completionTokens = next() % 4 === 0 ? 0 : next() % 200_001;
    return {
      promptTokens,
      completionTokens,
      // Sometimes beyond the total they belong to: upstreams are not always consistent.
      cachedTokens: next() % (promptTokens + 1000),
      cacheWriteTokens: next() % 3 === 0 ? 0 : next() % (promptTokens + 1000),
      reasoningTokens: next() % (completionTokens + 100),
      promptImages: next() % 5,
      webSearchResults: next() % 4,
      audioTokens: next() % 3 === 0 ? next() % (promptTokens + 100) : 0,
    };
  }

  test('total equals the sum of the components, and prompt side plus completion side', () => {
    const next = createRandom(0xc0_57);
    for (let index = 0; index < 5000; index++) {
      const usage = randomUsage(next);
      const pricing = randomPricing(next);
      const finishReason = FINISH_REASONS[next() % FINISH_REASONS.length] ?? null;
      const cost = computeCost(usage, parsePricing(pricing), finishReason);
      const context = JSON.stringify({ usage, pricing, finishReason });
      assert.equal(cost.total, sumOf(cost), context);
      assert.equal(promptSideCost(cost) + completionSideCost(cost), cost.total, context);
      for (const [name, value] of Object.entries(cost)) {
        if (typeof value === 'bigint' && name !== 'cacheDiscount') {
          assert.ok(value >= 0n, `${name} is negative: ${context}`);
        }
      }
      if (cost.insured) assert.equal(cost.total, cost.webSearch, context);
    }
  });

  test('cache_discount equals the prompt at the prompt price minus what the prompt was charged', () => {
    const next = createRandom(0xd15c);
    for (let index = 0; index < 5000; index++) {
      const usage = randomUsage(next);
      const prices = parsePricing(randomPricing(next));
      const cost = computeCost(usage, prices, 'stop');
      const atPromptPrice = BigInt(usage.promptTokens) * prices.prompt;
      // Audio tokens billed at their own price are not cache tokens: count them at the prompt price.
      const audioTokens =
        prices.audio === null || prices.audio === 0n ? 0n : cost.audio / prices.audio;
      const context = JSON.stringify({ usage });
      assert.equal(
        cost.cacheDiscount,
        atPromptPrice -
          (cost.prompt + cost.cacheRead + cost.cacheWrite + audioTokens * prices.prompt),
        context,
      );
    }
  });

  test('charges every completion token once, at either the reasoning or the completion price', () => {
    const next = createRandom(0x7e5f);
    for (let index = 0; index < 5000; index++) {
      const usage = randomUsage(next);
      const prices = parsePricing({ ...randomPricing(next), internal_reasoning: '0.000001' });
      const cost = computeCost(usage, prices, 'stop');
      const reasoningTokens = BigInt(Math.min(usage.reasoningTokens, usage.completionTokens));
      const textTokens = BigInt(usage.completionTokens) - reasoningTokens;
      assert.equal(cost.reasoning, reasoningTokens * 1_000_000n);
      assert.equal(cost.completion, textTokens * prices.completion);
    }
  });
});

describe('BYOK fee', () => {
  const cases: Array<[string, bigint]> = [
    ['0', 0n],
    ['5', 50_000n],
    ['2.5', 25_000n],
    ['0.0001', 1n],
    ['100', 1_000_000n],
    ['12.3456', 123_456n],
  ];
  for (const [percent, ppm] of cases) {
    test(`parseFeePercent(${JSON.stringify(percent)}) is ${ppm} parts per million`, () => {
      assert.equal(parseFeePercent(percent), ppm);
    });
  }

  test('charges the percentage of the upstream cost, rounded half up to a pico', () => {
    // 5 % of $0.0360795 (forgecode's real BYOK upstream cost) = $0.001803975
    assert.equal(byokFee(36_079_500_000n, 50_000n), 1_803_975_000n);
    assert.equal(byokFee(10n, 50_000n), 1n); // 0.5 pico rounds up
    assert.equal(byokFee(9n, 50_000n), 0n); // 0.45 pico rounds down
    assert.equal(byokFee(123_456_789n, 0n), 0n);
    assert.equal(byokFee(123_456_789n, 1_000_000n), 123_456_789n);
  });

  test('the bound is never below the fee of any smaller cost', () => {
    const next = createRandom(0xb10c);
    for (let index = 0; index < 2000; index++) {
      const ppm = BigInt(next() % 1_000_001);
      const bound = BigInt(next()) * 1000n + BigInt(next() % 1000);
      const actual = bound - BigInt(next() % 1000);
      assert.ok(byokFeeBound(bound, ppm) >= byokFee(actual, ppm), `${ppm} ${bound} ${actual}`);
    }
  });
});

describe('long-context price tiers', () => {
  // Gemini 2.5 Pro as the catalog lists it: $1.25 / $10 per M, $2.50 / $15 above 200k prompt tokens.
  const prices = parsePricing(
    { prompt: '0.00000125', completion: '0.00001', input_cache_read: '0.000000125' },
    [
      {
        prompt_tokens_above: 200_000,
        pricing: { prompt: '0.0000025', completion: '0.000015', input_cache_read: '0.00000025' },
      },
    ],
  );

  test('prices a prompt at the threshold at the base price', () => {
    const cost = computeCost(
      usageOf({ promptTokens: 200_000, completionTokens: 1000 }),
      prices,
      'stop',
    );
    assert.equal(cost.prompt, 200_000n * 1_250_000n);
    assert.equal(cost.completion, 1000n * 10_000_000n);
  });

  test('prices every token of a longer prompt at the tier, cached tokens counting toward it', () => {
    const cost = computeCost(
      usageOf({ promptTokens: 200_001, cachedTokens: 100_000, completionTokens: 1000 }),
      prices,
      'stop',
    );
    assert.equal(cost.prompt, 100_001n * 2_500_000n);
    assert.equal(cost.cacheRead, 100_000n * 250_000n);
    assert.equal(cost.completion, 1000n * 15_000_000n);
    assert.equal(cost.cacheDiscount, 100_000n * (2_500_000n - 250_000n));
  });

  test('uses the highest tier the prompt is above, whatever order the tiers were given in', () => {
    const stepped = parsePricing(BASE, [
      { prompt_tokens_above: 500, pricing: { prompt: '0.000004', completion: '0.00001' } },
      { prompt_tokens_above: 100, pricing: { prompt: '0.000003', completion: '0.00001' } },
    ]);
    const at = (promptTokens: number) =>
      computeCost(usageOf({ promptTokens, completionTokens: 1 }), stepped, 'stop').prompt /
      BigInt(promptTokens);
    assert.deepEqual(
      [at(100), at(101), at(500), at(501)],
      [2_000_000n, 3_000_000n, 3_000_000n, 4_000_000n],
    );
  });
});
