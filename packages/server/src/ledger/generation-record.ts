import type {
  CompletionUsage,
  CostStatus,
  GenerationRecord,
  ProviderResponse,
} from '@tollgate/protocol';
import type { NativeUsage } from '../providers/provider-adapter.js';
import type { GenerationRow } from '../storage/storage.js';
import {
  byokFee,
  type CostBreakdown,
  type CostOptions,
  completionSideCost,
  computeCost,
  type EndpointPrices,
  promptSideCost,
} from './cost-engine.js';
import { toRecordTimestamp } from './ids.js';
import type { CommittedFacts } from './ledger.js';
import { formatUsd, type Pico, toUsdNumber } from './money.js';

/** Version of the serialized record layout stored in `generations.record`. */
export const RECORD_VERSION = 1;

/** Everything known about a finished generation; the record is derived from it alone. */
export interface GenerationFacts {
  id: string;
  requestId: string;
  keyHash: string;
  workspaceId: string | null;
  createdAtMs: number;
  model: string;
  providerName: string | null;
  upstreamId: string | null;
  apiType: 'completions' | 'embeddings';
  streamed: boolean;
  cancelled: boolean;
  /** The gateway's fee (parts per million of the upstream cost) when BYOK; null otherwise. */
  byokFeePpm: bigint | null;
  latencyMs: number | null;
  generationTimeMs: number | null;
  finishReason: string | null;
  nativeFinishReason: string | null;
  /** Usage the upstream reported; null when it reported none. */
  nativeUsage: NativeUsage | null;
  normalizedPromptTokens: number | null;
  normalizedCompletionTokens: number | null;
  /** A normalized count was estimated (bytes/4) because the text exceeded the tokenizer's cap. */
  normalizedEstimated: boolean;
  numMediaPrompt: number;
  numPromptImages: number;
  numInputAudioPrompt: number;
  numMediaCompletion: number;
  httpReferer: string | null;
  userAgent: string | null;
  externalUser: string | null;
  sessionId: string | null;
  serviceTier: string | null;
  dataRegion: string;
  providerResponses: ProviderResponse[];
  prices: EndpointPrices;
  /** Version of `prices` (see `MeteredEndpoint.priceVersion`); `null` = served unpriced. */
  priceVersion: string | null;
  /**
   * The completion is unknown (finalized from the in-flight journal after a crash): billed for the
   * prompt side, never insured (see `CostOptions`).
   */
  completionUnknown?: boolean;
  /**
   * The most the key may be charged: the spend hold's bound for the serving endpoint, or null
   * when none was held. A charge above it (an upstream reporting more usage than the request could
   * honestly cost) is capped and flagged (docs/decisions/0016-spend-bound-from-upstream-bytes.md).
   */
  chargeCap?: Pico | null;
}

/** A finished generation: the stored row, the wire record and the response's `usage`. */
export interface FinishedGeneration {
  row: GenerationRow;
  record: GenerationRecord;
  usage: CompletionUsage;
  /** What the upstream charges at list price, component by component. */
  cost: CostBreakdown;
  /** What the key is charged (`usage`): the cost's total, or only the fee when BYOK; ≤ the cap. */
  charged: Pico;
  /** The record's facts that commit observers (metrics) read, unserialized. */
  committed: CommittedFacts;
}

/**
 * The reference tokenizer's counts as native usage, billed (and flagged as estimated in the record)
 * when the upstream reported no usage.
 */
function estimatedUsage(facts: GenerationFacts): NativeUsage {
  return {
    promptTokens: facts.normalizedPromptTokens ?? 0,
    completionTokens: facts.normalizedCompletionTokens ?? 0,
    cachedTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    completionImageTokens: 0,
    audioPromptTokens: 0,
    reportedCostUsd: null,
  };
}

const COMPLETION_KNOWN: CostOptions = { completionUnknown: false };
const COMPLETION_UNKNOWN: CostOptions = { completionUnknown: true };

function breakdownStrings(cost: CostBreakdown, fee: Pico | null): Record<string, string | null> {
  return {
    prompt: formatUsd(cost.prompt),
    cache_read: formatUsd(cost.cacheRead),
    cache_write: formatUsd(cost.cacheWrite),
    completion: formatUsd(cost.completion),
    reasoning: formatUsd(cost.reasoning),
    request: formatUsd(cost.request),
    image: formatUsd(cost.image),
    web_search: formatUsd(cost.webSearch),
    audio: formatUsd(cost.audio),
    total: formatUsd(cost.total),
    cache_discount: formatUsd(cost.cacheDiscount),
    byok_fee: fee === null ? null : formatUsd(fee),
  };
}

function costStatusOf(facts: GenerationFacts, cost: CostBreakdown): CostStatus {
  if (facts.priceVersion === null) return 'unpriced';
  return cost.insured ? 'insured' : 'priced';
}

/**
 * Computes the cost once and derives the record, the response usage and the row from it. An
 * unpriced generation charges nothing: `total_cost`, `usage` and `usage.cost` are 0 (the SDK
 * requires numbers there) and every amount that may be null is null, flagged by `cost_status`
 * (docs/decisions/0006-price-catalog.md).
 */
export function finishGeneration(facts: GenerationFacts): FinishedGeneration {
  const reported = facts.nativeUsage;
  // Native usage to bill: the upstream's own counts, or the reference tokenizer's.
  const estimated = reported === null;
  const native = reported ?? estimatedUsage(facts);
  const cost = computeCost(
    {
      promptTokens: native.promptTokens,
      completionTokens: native.completionTokens,
      cachedTokens: native.cachedTokens,
      cacheWriteTokens: native.cacheWriteTokens,
      reasoningTokens: native.reasoningTokens,
      promptImages: facts.numPromptImages,
      webSearchResults: 0,
      audioTokens: native.audioPromptTokens,
    },
    facts.prices,
    facts.finishReason,
    facts.apiType,
    facts.completionUnknown === true ? COMPLETION_UNKNOWN : COMPLETION_KNOWN,
  );
  const costStatus = costStatusOf(facts, cost);
  const priced = costStatus !== 'unpriced';
  // BYOK: the provider bills its owner; the key pays only the gateway's fee on that cost.
  const isByok = facts.byokFeePpm !== null;
  const fee = facts.byokFeePpm === null ? null : byokFee(cost.total, facts.byokFeePpm);
  const uncapped = fee ?? cost.total;
  const cap = facts.chargeCap ?? null;
  const capped = cap !== null && uncapped > cap;
  const charged = capped ? cap : uncapped;
  const totalUsd = toUsdNumber(charged);
  const upstreamUsd = toUsdNumber(cost.total);
  const committed: CommittedFacts = {
    providerResponses: facts.providerResponses,
    upstreamReportedCost: reported?.reportedCostUsd ?? null,
    uncappedCost: capped ? toUsdNumber(uncapped) : null,
  };
  const record: GenerationRecord & Record<string, unknown> = {
    id: facts.id,
    upstream_id: facts.upstreamId,
    total_cost: totalUsd,
    cache_discount: priced ? toUsdNumber(cost.cacheDiscount) : null,
    upstream_inference_cost: priced ? upstreamUsd : null,
    created_at: toRecordTimestamp(facts.createdAtMs),
    model: facts.model,
    app_id: null,
    streamed: facts.streamed,
    cancelled: facts.cancelled,
    provider_name: facts.providerName,
    latency: facts.latencyMs,
    moderation_latency: null,
    generation_time: facts.generationTimeMs,
    finish_reason: facts.finishReason,
    tokens_prompt: facts.normalizedPromptTokens,
    tokens_completion: facts.normalizedCompletionTokens,
    native_tokens_prompt: reported?.promptTokens ?? (estimated ? native.promptTokens : null),
    native_tokens_completion:
      reported?.completionTokens ?? (estimated ? native.completionTokens : null),
    native_tokens_completion_images: reported?.completionImageTokens ?? null,
    native_tokens_reasoning: reported?.reasoningTokens ?? null,
    native_tokens_cached: reported?.cachedTokens ?? null,
    num_media_prompt: facts.numMediaPrompt,
    num_input_audio_prompt: facts.numInputAudioPrompt,
    num_media_completion: facts.numMediaCompletion,
    num_search_results: null,
    origin: facts.httpReferer ?? '',
    usage: totalUsd,
    is_byok: isByok,
    native_finish_reason: facts.nativeFinishReason,
    external_user: facts.externalUser,
    api_type: facts.apiType,
    router: null,
    provider_responses: facts.providerResponses,
    http_referer: facts.httpReferer,
    user_agent: facts.userAgent,
    request_id: facts.requestId,
    session_id: facts.sessionId,
    num_fetches: null,
    web_search_engine: null,
    response_cache_source_id: null,
    service_tier: facts.serviceTier,
    preset_id: null,
    data_region: facts.dataRegion,
    workspace_id: facts.workspaceId,
    // Tollgate's extras (clients ignore unknown keys).
    native_tokens_cache_write: reported?.cacheWriteTokens ?? null,
    native_tokens_estimated: estimated,
    tokens_estimated: facts.normalizedEstimated,
    upstream_reported_cost: committed.upstreamReportedCost,
    cost_breakdown: priced ? breakdownStrings(cost, fee) : null,
    price_version: facts.priceVersion,
    cost_status: costStatus,
    cost_capped: capped,
    uncapped_cost: committed.uncappedCost,
  };
  const usage: CompletionUsage = {
    prompt_tokens: native.promptTokens,
    completion_tokens: native.completionTokens,
    total_tokens: native.promptTokens + native.completionTokens,
    prompt_tokens_details: {
      cached_tokens: native.cachedTokens,
      cache_write_tokens: native.cacheWriteTokens,
      audio_tokens: native.audioPromptTokens,
    },
    completion_tokens_details: {
      reasoning_tokens: native.reasoningTokens,
      image_tokens: native.completionImageTokens,
    },
    cost: totalUsd,
    is_byok: isByok,
    cost_details: {
      upstream_inference_cost: priced ? upstreamUsd : null,
      upstream_inference_prompt_cost: toUsdNumber(promptSideCost(cost)),
      upstream_inference_completions_cost: toUsdNumber(completionSideCost(cost)),
    },
    price_version: facts.priceVersion,
    cost_status: costStatus,
  };
  const row: GenerationRow = {
    id: facts.id,
    keyHash: facts.keyHash,
    requestId: facts.requestId,
    createdAt: record.created_at,
    model: facts.model,
    providerName: facts.providerName,
    apiType: facts.apiType,
    isByok,
    cancelled: facts.cancelled,
    usagePico: charged,
    totalCostPico: charged,
    upstreamCostPico: priced ? cost.total : null,
    recordVersion: RECORD_VERSION,
    endpointId: facts.providerResponses.at(-1)?.endpoint_id ?? null,
    externalUser: facts.externalUser,
    sessionId: facts.sessionId,
    outcome: facts.cancelled ? 'cancelled' : facts.finishReason === 'error' ? 'error' : 'ok',
    promptTokens: native.promptTokens,
    completionTokens: native.completionTokens,
    reasoningTokens: native.reasoningTokens,
    content: null,
    record: JSON.stringify(record),
  };
  return { row, record, usage, cost, charged, committed };
}
