import type { Pricing } from '@tollgate/protocol';
import { type Pico, parseUsd } from './money.js';

/** Prices of one endpoint in pico-USD per unit; `null` = the endpoint sets no such price. */
export interface EndpointPrices {
  prompt: Pico;
  completion: Pico;
  inputCacheRead: Pico | null;
  inputCacheWrite: Pico | null;
  internalReasoning: Pico | null;
  request: Pico;
  image: Pico;
  webSearch: Pico;
}

/** Parses an OpenRouter-shaped pricing object (USD strings) into exact pico prices. */
export function parsePricing(pricing: Pricing): EndpointPrices {
  const optional = (value: string | undefined): Pico | null =>
    value === undefined ? null : parseUsd(value);
  return {
    prompt: parseUsd(pricing.prompt),
    completion: parseUsd(pricing.completion),
    inputCacheRead: optional(pricing.input_cache_read),
    inputCacheWrite: optional(pricing.input_cache_write),
    internalReasoning: optional(pricing.internal_reasoning),
    request: optional(pricing.request) ?? 0n,
    image: optional(pricing.image) ?? 0n,
    webSearch: optional(pricing.web_search) ?? 0n,
  };
}

/**
 * What was consumed, in native units. Conventions as OpenRouter's: `promptTokens` includes cache
 * reads and cache writes; `completionTokens` includes reasoning tokens.
 */
export interface MeteredUsage {
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  promptImages: number;
  webSearchResults: number;
}

/** The charge of one generation, component by component, in pico-USD. */
export interface CostBreakdown {
  prompt: Pico;
  cacheRead: Pico;
  cacheWrite: Pico;
  completion: Pico;
  reasoning: Pico;
  request: Pico;
  image: Pico;
  webSearch: Pico;
  /** Σ of the components above. */
  total: Pico;
  /** Saved by cache reads minus paid extra for cache writes, against the prompt price. */
  cacheDiscount: Pico;
  /** Whether zero-completion insurance waived the token and request charges. */
  insured: boolean;
}

/**
 * Zero-completion insurance, as OpenRouter's: no token or request charge when nothing was
 * completed and the finish reason is blank, or when the generation ended in an error.
 * Embeddings complete nothing and have no finish reason by nature, so the zero-completion rule
 * would waive every one of them: for them, only an error (`finish_reason: "error"`) is insured.
 */
export function isInsured(
  completionTokens: number,
  finishReason: string | null,
  apiType: 'completions' | 'embeddings' = 'completions',
): boolean {
  if (finishReason === 'error') return true;
  if (apiType === 'embeddings') return false;
  return completionTokens === 0 && (finishReason === null || finishReason === '');
}

const big = (count: number): bigint => BigInt(Math.max(0, Math.trunc(count)));

/** Computes the exact cost of a usage at an endpoint's prices. Pure; integer arithmetic only. */
export function computeCost(
  usage: MeteredUsage,
  prices: EndpointPrices,
  finishReason: string | null,
  apiType: 'completions' | 'embeddings' = 'completions',
): CostBreakdown {
  const insured = isInsured(usage.completionTokens, finishReason, apiType);
  const cached = big(Math.min(usage.cachedTokens, usage.promptTokens));
  const cacheWrites = big(
    Math.min(usage.cacheWriteTokens, usage.promptTokens - usage.cachedTokens),
  );
  const uncached = big(usage.promptTokens) - cached - cacheWrites;
  const reasoningTokens = big(Math.min(usage.reasoningTokens, usage.completionTokens));
  const textCompletion = big(usage.completionTokens) - reasoningTokens;

  const cacheReadPrice = prices.inputCacheRead ?? prices.prompt;
  const cacheWritePrice = prices.inputCacheWrite ?? prices.prompt;
  const reasoningPrice = prices.internalReasoning ?? prices.completion;
  const tokenCharges = !insured;

  const prompt = tokenCharges ? uncached * prices.prompt : 0n;
  const cacheRead = tokenCharges ? cached * cacheReadPrice : 0n;
  const cacheWrite = tokenCharges ? cacheWrites * cacheWritePrice : 0n;
  const completion = tokenCharges ? textCompletion * prices.completion : 0n;
  const reasoning = tokenCharges ? reasoningTokens * reasoningPrice : 0n;
  const request = tokenCharges ? prices.request : 0n;
  const image = tokenCharges ? big(usage.promptImages) * prices.image : 0n;
  // Web search is work already done for the request: billed even when insured.
  const webSearch = big(usage.webSearchResults) * prices.webSearch;
  const total =
    prompt + cacheRead + cacheWrite + completion + reasoning + request + image + webSearch;
  const cacheDiscount = tokenCharges
    ? cached * (prices.prompt - cacheReadPrice) - cacheWrites * (cacheWritePrice - prices.prompt)
    : 0n;
  return {
    prompt,
    cacheRead,
    cacheWrite,
    completion,
    reasoning,
    request,
    image,
    webSearch,
    total,
    cacheDiscount,
    insured,
  };
}

/** The prompt-side part of a cost (what OpenRouter calls `upstream_inference_prompt_cost`). */
export function promptSideCost(cost: CostBreakdown): Pico {
  return (
    cost.prompt + cost.cacheRead + cost.cacheWrite + cost.request + cost.image + cost.webSearch
  );
}

/** The completion-side part of a cost (`upstream_inference_completions_cost`). */
export function completionSideCost(cost: CostBreakdown): Pico {
  return cost.completion + cost.reasoning;
}
