import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GenerationRecordSchema } from '@tollgate/protocol';
import { completionSideCost, parsePricing, promptSideCost } from '../../src/ledger/cost-engine.js';
import {
  finishGeneration,
  type GenerationFacts,
  RECORD_VERSION,
} from '../../src/ledger/generation-record.js';
import { parseUsd, toUsdNumber } from '../../src/ledger/money.js';
import type { NativeUsage } from '../../src/providers/provider-adapter.js';

/** OpenRouter's 45 keys, in its documented order. */
const OPENROUTER_KEYS = [
  'id',
  'upstream_id',
  'total_cost',
  'cache_discount',
  'upstream_inference_cost',
  'created_at',
  'model',
  'app_id',
  'streamed',
  'cancelled',
  'provider_name',
  'latency',
  'moderation_latency',
  'generation_time',
  'finish_reason',
  'tokens_prompt',
  'tokens_completion',
  'native_tokens_prompt',
  'native_tokens_completion',
  'native_tokens_completion_images',
  'native_tokens_reasoning',
  'native_tokens_cached',
  'num_media_prompt',
  'num_input_audio_prompt',
  'num_media_completion',
  'num_search_results',
  'origin',
  'usage',
  'is_byok',
  'native_finish_reason',
  'external_user',
  'api_type',
  'router',
  'provider_responses',
  'http_referer',
  'user_agent',
  'request_id',
  'session_id',
  'num_fetches',
  'web_search_engine',
  'response_cache_source_id',
  'service_tier',
  'preset_id',
  'data_region',
  'workspace_id',
];

const TOLLGATE_EXTRAS = [
  'native_tokens_cache_write',
  'native_tokens_estimated',
  'tokens_estimated',
  'upstream_reported_cost',
  'cost_breakdown',
  'price_version',
  'cost_status',
  'cost_capped',
  'uncapped_cost',
];

const INTEGER_FIELDS = [
  'app_id',
  'latency',
  'generation_time',
  'tokens_prompt',
  'tokens_completion',
  'native_tokens_prompt',
  'native_tokens_completion',
  'native_tokens_completion_images',
  'native_tokens_reasoning',
  'native_tokens_cached',
  'native_tokens_cache_write',
  'num_media_prompt',
  'num_input_audio_prompt',
  'num_media_completion',
  'num_search_results',
  'num_fetches',
];

// 2026-11-22T03:17:08.123Z
const CREATED_AT_MS = Date.UTC(2026, 10, 22, 3, 17, 8, 123);

const UPSTREAM_USAGE: NativeUsage = {
  promptTokens: 1000,
  completionTokens: 500,
  cachedTokens: 200,
  cacheWriteTokens: 100,
  reasoningTokens: 120,
  completionImageTokens: 0,
  audioPromptTokens: 7,
  reportedCostUsd: 0.0101,
};

/** The record viewed as plain JSON, to read Tollgate's extras (not part of the protocol type). */
function fieldsOf(record: object): Record<string, unknown> {
  return { ...record };
}

function factsOf(overrides: Partial<GenerationFacts> = {}): GenerationFacts {
  return {
    id: 'gen-1795317428-AbCdEfGhIjKlMnOpQrSt',
    requestId: 'req-1795317428-TuVwXyZ0123456789aBc',
    keyHash: 'a'.repeat(64),
    workspaceId: 'ws-default',
    createdAtMs: CREATED_AT_MS,
    model: 'anthropic/claude-sonnet-4',
    providerName: 'Anthropic',
    upstreamId: 'msg_01XYZ',
    apiType: 'completions',
    streamed: false,
    cancelled: false,
    byokFeePpm: null,
    latencyMs: 812,
    generationTimeMs: 2317,
    finishReason: 'stop',
    nativeFinishReason: 'end_turn',
    nativeUsage: UPSTREAM_USAGE,
    normalizedPromptTokens: 987,
    normalizedCompletionTokens: 480,
    normalizedEstimated: false,
    numMediaPrompt: 1,
    numPromptImages: 1,
    numInputAudioPrompt: 0,
    numMediaCompletion: 0,
    httpReferer: 'https://app.example.com/chat',
    userAgent: 'openai-node/7.57.0',
    externalUser: 'user-42',
    sessionId: 'session-7',
    serviceTier: 'standard',
    dataRegion: 'global',
    providerResponses: [
      {
        status: 200,
        id: 'msg_01XYZ',
        endpoint_id: 'Anthropic/claude-sonnet-4',
        model_permaslug: 'anthropic/claude-sonnet-4',
        provider_name: 'Anthropic',
        latency: 640,
        is_byok: false,
      },
    ],
    // $3 / M prompt, $15 / M completion, cache read $0.30 / M, cache write $3.75 / M.
    prices: parsePricing({
      prompt: '0.000003',
      completion: '0.000015',
      input_cache_read: '0.0000003',
      input_cache_write: '0.00000375',
    }),
    priceVersion: 'config:0123456789ab',
    ...overrides,
  };
}

describe('finishGeneration on a BYOK endpoint', () => {
  // 5 %: OpenRouter's BYOK fee. The upstream cost is 10,035,000,000 pico (see the test above).
  const byok = () => finishGeneration(factsOf({ byokFeePpm: 50_000n }));

  test('charges the key only the fee and reports the provider cost as upstream_inference_cost', () => {
    const { record, usage, row, charged, cost } = byok();
    assert.equal(cost.total, 10_035_000_000n);
    assert.equal(charged, 501_750_000n); // 5 % of $0.010035 = $0.00050175
    assert.equal(record.is_byok, true);
    assert.equal(record.total_cost, 0.00050175);
    assert.equal(record.usage, 0.00050175);
    assert.equal(record.upstream_inference_cost, 0.010035);
    assert.equal(record.cache_discount, 0.000465);
    assert.equal(usage.cost, 0.00050175);
    assert.equal(usage.is_byok, true);
    assert.deepEqual(usage.cost_details, {
      upstream_inference_cost: 0.010035,
      upstream_inference_prompt_cost: 0.002535,
      upstream_inference_completions_cost: 0.0075,
    });
    assert.equal(row.isByok, true);
    assert.equal(row.usagePico, 501_750_000n);
    assert.equal(row.totalCostPico, 501_750_000n);
    assert.equal(row.upstreamCostPico, 10_035_000_000n);
    const breakdown = fieldsOf(record)['cost_breakdown'] as Record<string, string>;
    assert.equal(breakdown['total'], '0.010035');
    assert.equal(breakdown['byok_fee'], '0.00050175');
  });

  test('charges nothing at a 0 % fee (the self-hosting default) and still reports the upstream cost', () => {
    const { record, charged } = finishGeneration(factsOf({ byokFeePpm: 0n }));
    assert.equal(charged, 0n);
    assert.equal(record.total_cost, 0);
    assert.equal(record.usage, 0);
    assert.equal(record.upstream_inference_cost, 0.010035);
    assert.equal(record.is_byok, true);
  });

  test('waives the fee under zero-completion insurance', () => {
    const { record, charged } = finishGeneration(
      factsOf({ byokFeePpm: 50_000n, finishReason: 'error' }),
    );
    assert.equal(charged, 0n);
    assert.equal(record.usage, 0);
    assert.equal(fieldsOf(record)['cost_status'], 'insured');
  });
});

describe('finishGeneration', () => {
  test('builds a record with exactly the 45 OpenRouter keys plus the Tollgate extras', () => {
    const { record } = finishGeneration(factsOf());
    assert.equal(OPENROUTER_KEYS.length, 45);
    assert.deepEqual(Object.keys(GenerationRecordSchema.shape).sort(), [...OPENROUTER_KEYS].sort());
    assert.deepEqual(Object.keys(record).sort(), [...OPENROUTER_KEYS, ...TOLLGATE_EXTRAS].sort());
  });

  test('produces a record GenerationRecordSchema accepts, before and after a JSON round trip', () => {
    for (const nativeUsage of [UPSTREAM_USAGE, null]) {
      const { record, row } = finishGeneration(factsOf({ nativeUsage }));
      assert.equal(GenerationRecordSchema.safeParse(record).success, true);
      const stored: unknown = JSON.parse(row.record);
      const parsed = GenerationRecordSchema.safeParse(stored);
      assert.equal(parsed.success, true, JSON.stringify(parsed.error?.issues));
    }
  });

  test('prices the generation from the upstream usage, exactly', () => {
    const { cost } = finishGeneration(factsOf());
    // 700 uncached × 3e6 + 200 × 3e5 + 100 × 3.75e6 + 380 × 1.5e7 + 120 × 1.5e7 pico-USD
    assert.deepEqual(cost, {
      prompt: 2_100_000_000n,
      cacheRead: 60_000_000n,
      cacheWrite: 375_000_000n,
      completion: 5_700_000_000n,
      reasoning: 1_800_000_000n,
      request: 0n,
      image: 0n,
      webSearch: 0n,
      audio: 0n,
      total: 10_035_000_000n,
      cacheDiscount: 465_000_000n,
      insured: false,
    });
  });

  test('reports one cost as usage.cost, total_cost, usage and upstream_inference_cost', () => {
    const { record, usage, cost } = finishGeneration(factsOf());
    assert.equal(usage.cost, 0.010035);
    assert.equal(usage.cost, toUsdNumber(cost.total));
    assert.equal(record.total_cost, usage.cost);
    assert.equal(record.usage, usage.cost);
    assert.equal(record.upstream_inference_cost, usage.cost);
    assert.equal(usage.cost_details.upstream_inference_cost, usage.cost);
    assert.equal(record.cache_discount, toUsdNumber(cost.cacheDiscount));
    assert.equal(record.cache_discount, 0.000465);
  });

  test('splits usage.cost_details into prompt and completion sides that add up exactly in pico-USD', () => {
    const { usage, cost } = finishGeneration(factsOf());
    const promptSide = promptSideCost(cost);
    const completionSide = completionSideCost(cost);
    assert.equal(promptSide, 2_535_000_000n);
    assert.equal(completionSide, 7_500_000_000n);
    assert.equal(promptSide + completionSide, cost.total);
    assert.equal(usage.cost_details.upstream_inference_prompt_cost, toUsdNumber(promptSide));
    assert.equal(
      usage.cost_details.upstream_inference_completions_cost,
      toUsdNumber(completionSide),
    );
    // The doubles need not add up (0.002535 + 0.0075 is 0.010034999999999999): exactness lives in
    // the bigints and in cost_breakdown, which is why the sum is checked above and not here.
  });

  test('writes the cost breakdown as exact decimal strings that parse back to the cost', () => {
    const { record, cost } = finishGeneration(
      factsOf({
        prices: parsePricing({
          prompt: '0.000003',
          completion: '0.000015',
          input_cache_write: '0.000006',
        }),
      }),
    );
    assert.deepEqual(fieldsOf(record)['cost_breakdown'], {
      prompt: '0.0021',
      cache_read: '0.0006',
      cache_write: '0.0006',
      completion: '0.0057',
      reasoning: '0.0018',
      request: '0',
      image: '0',
      web_search: '0',
      audio: '0',
      total: '0.0108',
      cache_discount: '-0.0003',
      byok_fee: null,
    });
    assert.equal(parseUsd('0.0108'), cost.total);
  });

  test('builds the response usage from the upstream counts', () => {
    const { usage } = finishGeneration(factsOf());
    assert.deepEqual(usage, {
      prompt_tokens: 1000,
      completion_tokens: 500,
      total_tokens: 1500,
      prompt_tokens_details: { cached_tokens: 200, cache_write_tokens: 100, audio_tokens: 7 },
      completion_tokens_details: { reasoning_tokens: 120, image_tokens: 0 },
      cost: 0.010035,
      is_byok: false,
      cost_details: {
        upstream_inference_cost: 0.010035,
        upstream_inference_prompt_cost: 0.002535,
        upstream_inference_completions_cost: 0.0075,
      },
      price_version: 'config:0123456789ab',
      cost_status: 'priced',
    });
  });

  test('caps the charge at the hold bound and keeps the true cost beside it', () => {
    // The upstream's usage costs $0.010035; the request's bound allowed $0.004.
    const cap = parseUsd('0.004');
    const { record, usage, row, charged } = finishGeneration(factsOf({ chargeCap: cap }));
    const fields = fieldsOf(record);
    assert.equal(charged, cap);
    assert.equal(record.usage, 0.004);
    assert.equal(record.total_cost, 0.004);
    assert.equal(usage.cost, 0.004);
    assert.equal(row.usagePico, cap);
    assert.equal(row.totalCostPico, cap);
    assert.equal(fields['cost_capped'], true);
    assert.equal(fields['uncapped_cost'], 0.010035);
    assert.equal(record.upstream_inference_cost, 0.010035);
    assert.equal(row.upstreamCostPico, parseUsd('0.010035'));
    assert.equal(usage.cost_details.upstream_inference_cost, 0.010035);
    assert.equal(GenerationRecordSchema.safeParse(JSON.parse(row.record)).success, true);
  });

  test('charges the cost as is when it is within the bound, or when nothing was held', () => {
    for (const chargeCap of [parseUsd('0.010035'), parseUsd('1'), null]) {
      const { record, charged } = finishGeneration(factsOf({ chargeCap }));
      assert.equal(charged, parseUsd('0.010035'));
      assert.equal(fieldsOf(record)['cost_capped'], false);
      assert.equal(fieldsOf(record)['uncapped_cost'], null);
    }
  });

  test('caps a BYOK fee at the bound of the fee', () => {
    // 10 % of $0.010035 rounds to $0.0010035; the bound allowed $0.001.
    const { record, charged } = finishGeneration(
      factsOf({ byokFeePpm: 100_000n, chargeCap: parseUsd('0.001') }),
    );
    assert.equal(charged, parseUsd('0.001'));
    assert.equal(fieldsOf(record)['cost_capped'], true);
    assert.equal(fieldsOf(record)['uncapped_cost'], 0.0010035);
    assert.equal(record.upstream_inference_cost, 0.010035);
  });

  test('stores the version of the prices charged in the record and the response usage', () => {
    const { record, usage } = finishGeneration(
      factsOf({ priceVersion: 'genai-prices@0.1.8+0123456789ab' }),
    );
    assert.equal(fieldsOf(record)['price_version'], 'genai-prices@0.1.8+0123456789ab');
    assert.equal(usage.price_version, 'genai-prices@0.1.8+0123456789ab');
    assert.equal(fieldsOf(record)['cost_status'], 'priced');
  });

  test('flags an unpriced generation: nullable amounts null, required ones 0, nothing charged', () => {
    const { record, usage, cost, row } = finishGeneration(
      factsOf({ priceVersion: null, prices: parsePricing({ prompt: '0', completion: '0' }) }),
    );
    const fields = fieldsOf(record);
    assert.equal(fields['cost_status'], 'unpriced');
    assert.equal(fields['price_version'], null);
    assert.equal(fields['cost_breakdown'], null);
    assert.equal(record.cache_discount, null);
    assert.equal(record.upstream_inference_cost, null);
    // Required numbers in OpenRouter's schema: nothing was charged, and cost_status says why.
    assert.equal(record.total_cost, 0);
    assert.equal(record.usage, 0);
    assert.equal(cost.total, 0n);
    assert.equal(row.usagePico, 0n);
    assert.equal(usage.cost, 0);
    assert.equal(usage.cost_details.upstream_inference_cost, null);
    assert.equal(usage.price_version, null);
    assert.equal(usage.cost_status, 'unpriced');
    // The tokens are still recorded, so the generation can be priced later by hand.
    assert.equal(record.native_tokens_prompt, 1000);
    assert.equal(record.native_tokens_completion, 500);
    assert.equal(GenerationRecordSchema.safeParse(JSON.parse(row.record)).success, true);
  });

  test('marks a generation waived by zero-completion insurance as insured', () => {
    const { record, usage } = finishGeneration(
      factsOf({ finishReason: 'error', nativeUsage: null, normalizedCompletionTokens: 0 }),
    );
    assert.equal(fieldsOf(record)['cost_status'], 'insured');
    assert.equal(usage.cost_status, 'insured');
    assert.equal(fieldsOf(record)['price_version'], 'config:0123456789ab');
  });

  test('takes native counts from the upstream and tokens_* from the reference tokenizer', () => {
    const { record } = finishGeneration(factsOf());
    assert.equal(record.tokens_prompt, 987);
    assert.equal(record.tokens_completion, 480);
    assert.equal(record.native_tokens_prompt, 1000);
    assert.equal(record.native_tokens_completion, 500);
    assert.equal(record.native_tokens_cached, 200);
    assert.equal(record.native_tokens_reasoning, 120);
    assert.equal(record.native_tokens_completion_images, 0);
    assert.equal(fieldsOf(record)['native_tokens_cache_write'], 100);
    assert.equal(fieldsOf(record)['native_tokens_estimated'], false);
    assert.equal(fieldsOf(record)['upstream_reported_cost'], 0.0101);
  });

  test('bills the normalized counts and flags them estimated when the upstream reported no usage', () => {
    const { record, usage, cost } = finishGeneration(
      factsOf({ nativeUsage: null, normalizedPromptTokens: 987, normalizedCompletionTokens: 480 }),
    );
    assert.equal(fieldsOf(record)['native_tokens_estimated'], true);
    assert.equal(record.native_tokens_prompt, 987);
    assert.equal(record.native_tokens_completion, 480);
    assert.equal(record.tokens_prompt, 987);
    assert.equal(record.tokens_completion, 480);
    assert.equal(record.native_tokens_cached, null);
    assert.equal(record.native_tokens_reasoning, null);
    assert.equal(record.native_tokens_completion_images, null);
    assert.equal(fieldsOf(record)['native_tokens_cache_write'], null);
    assert.equal(fieldsOf(record)['upstream_reported_cost'], null);
    assert.equal(usage.prompt_tokens, 987);
    assert.equal(usage.completion_tokens, 480);
    assert.equal(usage.total_tokens, 1467);
    assert.equal(usage.prompt_tokens_details.cached_tokens, 0);
    assert.equal(usage.completion_tokens_details.reasoning_tokens, 0);
    // 987 × 3e6 + 480 × 1.5e7
    assert.equal(cost.total, 2_961_000_000n + 7_200_000_000n);
    assert.equal(record.total_cost, 0.010161);
  });

  test('records an upstream error with finish_reason error and charges nothing', () => {
    const { record, usage, cost, row } = finishGeneration(
      factsOf({
        upstreamId: null,
        finishReason: 'error',
        nativeFinishReason: null,
        nativeUsage: null,
        normalizedCompletionTokens: 0,
        serviceTier: null,
        providerResponses: [{ status: 503, endpoint_id: 'Anthropic/claude-sonnet-4', latency: 90 }],
      }),
    );
    assert.equal(cost.insured, true);
    assert.equal(cost.total, 0n);
    assert.equal(record.total_cost, 0);
    assert.equal(record.usage, 0);
    assert.equal(record.cache_discount, 0);
    assert.equal(usage.cost, 0);
    assert.equal(row.usagePico, 0n);
    assert.equal(record.finish_reason, 'error');
    assert.equal(record.upstream_id, null);
    assert.equal(fieldsOf(record)['native_tokens_estimated'], true);
  });

  test('charges nothing for a cancelled request that produced no completion', () => {
    const { record, cost } = finishGeneration(
      factsOf({
        cancelled: true,
        finishReason: null,
        nativeFinishReason: null,
        nativeUsage: null,
        normalizedCompletionTokens: 0,
      }),
    );
    assert.equal(cost.insured, true);
    assert.equal(record.total_cost, 0);
    assert.equal(record.cancelled, true);
  });

  test('bills the estimated completion of a stream cancelled midway', () => {
    const { record, cost } = finishGeneration(
      factsOf({
        streamed: true,
        cancelled: true,
        finishReason: null,
        nativeFinishReason: null,
        nativeUsage: null,
        normalizedPromptTokens: 50,
        normalizedCompletionTokens: 12,
      }),
    );
    assert.equal(cost.insured, false);
    assert.equal(cost.total, 50n * 3_000_000n + 12n * 15_000_000n);
    assert.equal(record.cancelled, true);
    assert.equal(record.streamed, true);
    assert.equal(fieldsOf(record)['native_tokens_estimated'], true);
  });

  test('stores row.record as exactly JSON.stringify(record), with exact pico-USD ledger columns', () => {
    const facts = factsOf();
    const { record, row, cost } = finishGeneration(facts);
    assert.equal(row.record, JSON.stringify(record));
    assert.deepEqual(row, {
      id: facts.id,
      keyHash: facts.keyHash,
      requestId: facts.requestId,
      createdAt: '2026-11-22T03:17:08.123000+00:00',
      model: 'anthropic/claude-sonnet-4',
      providerName: 'Anthropic',
      apiType: 'completions',
      isByok: false,
      cancelled: false,
      usagePico: cost.total,
      totalCostPico: cost.total,
      upstreamCostPico: cost.total,
      recordVersion: RECORD_VERSION,
      endpointId: facts.providerResponses.at(-1)?.endpoint_id ?? null,
      externalUser: facts.externalUser,
      sessionId: facts.sessionId,
      outcome: 'ok',
      promptTokens: record.native_tokens_prompt,
      completionTokens: record.native_tokens_completion,
      reasoningTokens: record.native_tokens_reasoning ?? 0,
      content: null,
      record: row.record,
    });
  });

  test('writes every integer field as an integer or null', () => {
    for (const nativeUsage of [UPSTREAM_USAGE, null]) {
      const { record } = finishGeneration(factsOf({ nativeUsage }));
      const fields: Record<string, unknown> = record;
      for (const name of INTEGER_FIELDS) {
        const value = fields[name];
        assert.ok(value === null || Number.isInteger(value), `${name} = ${String(value)}`);
      }
    }
  });

  test('passes the request and response facts through to their fields', () => {
    const facts = factsOf();
    const { record } = finishGeneration(facts);
    assert.deepEqual(
      {
        id: record.id,
        upstream_id: record.upstream_id,
        created_at: record.created_at,
        model: record.model,
        streamed: record.streamed,
        cancelled: record.cancelled,
        provider_name: record.provider_name,
        latency: record.latency,
        generation_time: record.generation_time,
        finish_reason: record.finish_reason,
        native_finish_reason: record.native_finish_reason,
        num_media_prompt: record.num_media_prompt,
        num_input_audio_prompt: record.num_input_audio_prompt,
        num_media_completion: record.num_media_completion,
        origin: record.origin,
        is_byok: record.is_byok,
        external_user: record.external_user,
        api_type: record.api_type,
        provider_responses: record.provider_responses,
        http_referer: record.http_referer,
        user_agent: record.user_agent,
        request_id: record.request_id,
        session_id: record.session_id,
        service_tier: record.service_tier,
        data_region: record.data_region,
        workspace_id: record.workspace_id,
      },
      {
        id: facts.id,
        upstream_id: 'msg_01XYZ',
        created_at: '2026-11-22T03:17:08.123000+00:00',
        model: 'anthropic/claude-sonnet-4',
        streamed: false,
        cancelled: false,
        provider_name: 'Anthropic',
        latency: 812,
        generation_time: 2317,
        finish_reason: 'stop',
        native_finish_reason: 'end_turn',
        num_media_prompt: 1,
        num_input_audio_prompt: 0,
        num_media_completion: 0,
        origin: 'https://app.example.com/chat',
        is_byok: false,
        external_user: 'user-42',
        api_type: 'completions',
        provider_responses: facts.providerResponses,
        http_referer: 'https://app.example.com/chat',
        user_agent: 'openai-node/7.57.0',
        request_id: facts.requestId,
        session_id: 'session-7',
        service_tier: 'standard',
        data_region: 'global',
        workspace_id: 'ws-default',
      },
    );
  });

  test('writes origin as the empty string and http_referer as null without a referer', () => {
    const { record } = finishGeneration(factsOf({ httpReferer: null }));
    assert.equal(record.origin, '');
    assert.equal(record.http_referer, null);
  });

  test('writes null for the features Tollgate does not have yet', () => {
    const { record } = finishGeneration(factsOf());
    for (const name of [
      'app_id',
      'moderation_latency',
      'router',
      'num_search_results',
      'num_fetches',
      'web_search_engine',
      'preset_id',
      'response_cache_source_id',
    ] as const) {
      assert.equal(record[name], null, name);
    }
  });
});
