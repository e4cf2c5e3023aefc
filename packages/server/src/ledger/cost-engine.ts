import type { PriceTier, Pricing } from '@tollgate/protocol';
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
  /** Audio prompt tokens; null = billed at `prompt`. */
  audio: Pico | null;
  /** Long-context tiers, ascending: a request above `promptTokensAbove` pays `prices` instead. */
  tiers: ReadonlyArray<{ promptTokensAbove: number; prices: EndpointPrices }>;
}

/**
 * Parses an OpenRouter-shaped pricing object (USD strings), and any long-context tiers, into exact
 * pico prices.
 */
export function parsePricing(pricing: Pricing, tiers: readonly PriceTier[] = []): EndpointPrices {
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
    audio: optional(pricing.audio),
    tiers: [...tiers]
      .sort((left, right) => left.prompt_tokens_above - right.prompt_tokens_above)
      .map((tier) => ({
        promptTokensAbove: tier.prompt_tokens_above,
        prices: parsePricing(tier.pricing),
      })),
  };
}

/** The prices in force for a request with `promptTokens` prompt tokens (its tier, else the base). */
export function pricesFor(prices: EndpointPrices, promptTokens: number): EndpointPrices {
  let chosen = prices;
  for (const tier of prices.tiers) if (promptTokens > tier.promptTokensAbove) chosen = tier.prices;
  return chosen;
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
  /** Audio tokens among the uncached prompt tokens. */
  audioTokens: number;
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
  /** Audio prompt tokens at the `audio` price (0 when the endpoint has none: then in `prompt`). */
  audio: Pico;
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

/** Options of {@link computeCost}. */
export interface CostOptions {
  /**
   * The completion is unknown, not empty (a stream cut by a gateway crash, finalized from the
   * in-flight journal): zero-completion insurance cannot be established, so the known prompt side
   * is billed (docs/decisions/0009-inflight-journal.md).
   */
  completionUnknown?: boolean;
}

/**
 * Computes the exact cost of a usage at an endpoint's prices (its long-context tier when the
 * prompt is above one). Pure; integer arithmetic only.
 */
export function computeCost(
  usage: MeteredUsage,
  endpointPrices: EndpointPrices,
  finishReason: string | null,
  apiType: 'completions' | 'embeddings' = 'completions',
  options: CostOptions = {},
): CostBreakdown {
  const prices = pricesFor(endpointPrices, usage.promptTokens);
  const insured =
    options.completionUnknown !== true && isInsured(usage.completionTokens, finishReason, apiType);
  const cached = big(Math.min(usage.cachedTokens, usage.promptTokens));
  const cacheWrites = big(
    Math.min(usage.cacheWriteTokens, usage.promptTokens - usage.cachedTokens),
  );
  const uncached = big(usage.promptTokens) - cached - cacheWrites;
  const audioTokens =
    prices.audio === null ? 0n : big(Math.min(usage.audioTokens, Number(uncached)));
  const reasoningTokens = big(Math.min(usage.reasoningTokens, usage.completionTokens));
  const textCompletion = big(usage.completionTokens) - reasoningTokens;

  const cacheReadPrice = prices.inputCacheRead ?? prices.prompt;
  const cacheWritePrice = prices.inputCacheWrite ?? prices.prompt;
  const reasoningPrice = prices.internalReasoning ?? prices.completion;
  const tokenCharges = !insured;

  const prompt = tokenCharges ? (uncached - audioTokens) * prices.prompt : 0n;
  const audio = tokenCharges ? audioTokens * (prices.audio ?? 0n) : 0n;
  const cacheRead = tokenCharges ? cached * cacheReadPrice : 0n;
  const cacheWrite = tokenCharges ? cacheWrites * cacheWritePrice : 0n;
  const completion = tokenCharges ? textCompletion * prices.completion : 0n;
  const reasoning = tokenCharges ? reasoningTokens * reasoningPrice : 0n;
  const request = tokenCharges ? prices.request : 0n;
  const image = tokenCharges ? big(usage.promptImages) * prices.image : 0n;
  // Web search is work already done for the request: billed even when insured.
  const webSearch = big(usage.webSearchResults) * prices.webSearch;
  const total =
    prompt + cacheRead + cacheWrite + completion + reasoning + request + image + webSearch + audio;
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
    audio,
    total,
    cacheDiscount,
    insured,
  };
}

/** The prompt-side part of a cost (what OpenRouter calls `upstream_inference_prompt_cost`). */
export function promptSideCost(cost: CostBreakdown): Pico {
  return (
    cost.prompt +
    cost.cacheRead +
    cost.cacheWrite +
    cost.audio +
    cost.request +
    cost.image +
    cost.webSearch
  );
}

/** The completion-side part of a cost (`upstream_inference_completions_cost`). */
export function completionSideCost(cost: CostBreakdown): Pico {
  return cost.completion + cost.reasoning;
}

const PPM = 1_000_000n;

/** A fee percentage (a decimal string with at most 4 places, e.g. `"5"`, `"2.5"`) in parts per million. */
export function parseFeePercent(percent: string): bigint {
  const [whole = '0', fraction = ''] = percent.split('.');
  return BigInt(whole) * 10_000n + BigInt(fraction.padEnd(4, '0').slice(0, 4));
}

/** The BYOK fee on an upstream cost: `feePpm` parts per million, rounded half up to a pico-USD. */
export function byokFee(upstreamCost: Pico, feePpm: bigint): Pico {
  return (upstreamCost * feePpm + PPM / 2n) / PPM;
}

/** An upper bound of {@link byokFee} for any cost up to `upstreamCost` (rounds up). */
export function byokFeeBound(upstreamCost: Pico, feePpm: bigint): Pico {
  return (upstreamCost * feePpm + PPM - 1n) / PPM;
}
