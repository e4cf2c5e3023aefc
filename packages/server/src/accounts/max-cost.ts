import { byokFeeBound } from '../ledger/cost-engine.js';
import type { MeteredEndpoint } from '../ledger/metered-endpoint.js';
import type { Pico } from '../ledger/money.js';

// The spend hold is an upper bound of what a request can cost, read off the exact bytes sent
// upstream (docs/decisions/0016-spend-bound-from-upstream-bytes.md). No tokenizing: a token covers
// at least one byte of what the model reads, and everything it reads is in the upstream body
// except the few things the allowances below stand for.

/** Output bound when neither the request nor the model sets one (then sent upstream as max_tokens). */
export const DEFAULT_MAX_OUTPUT_TOKENS = 4096;

/** Tokens an upstream adds around the body's content: chat template, BOS, assistant priming. */
export const PROMPT_OVERHEAD_TOKENS = 64;

/**
 * A hidden tool-use system prompt, added by upstreams when the request defines tools (Anthropic's
 * is about 350 tokens); the tools' own definitions are in the body's bytes.
 */
export const TOOLS_PROMPT_TOKENS = 1024;

/**
 * Tokens allowed for each image or file part beyond its bytes: an image referenced by URL is a few
 * bytes in the body but up to ~1,600 tokens upstream (Anthropic; OpenAI's high detail ≤ 1,105;
 * Gemini 258 a tile). Inline (base64) media are bounded by their bytes anyway.
 */
export const MEDIA_PART_TOKENS = 4096;

/** What bounds a request's cost besides its upstream body, whatever its route. */
export interface CostShape {
  /** The output bound the request set (`max_completion_tokens`, `max_tokens`), or null for none. */
  requestedOutput: number | null;
  /** Completions the request may produce: 1 for chat, one per legacy prompt; 0 for embeddings. */
  outputs: number;
  /** Image parts (also charged at the endpoint's `image` price). */
  promptImages: number;
  /** Image and file parts, each allowed {@link MEDIA_PART_TOKENS}. */
  promptMedia: number;
  /** The request defines tools. */
  hasTools: boolean;
  /**
   * Output tokens billed beyond the output bound, bounded by their bytes: the content of OpenAI's
   * predicted outputs (rejected prediction tokens are billed as completion tokens).
   */
  extraOutputTokens: bigint;
}

/** A request's output bound at one candidate, and whether it must be sent upstream. */
export interface OutputBound {
  maxTokens: number;
  /** The request set no output bound: send `maxTokens` upstream as `max_tokens` so it holds. */
  injectMaxTokens: boolean;
}

/** What bounds a model's output when the request sets no bound (routing's `CatalogModel` fits). */
export interface OutputLimits {
  maxCompletionTokens: number | null;
  contextLength: number | null;
}

/** The most a request can cost at one endpoint, and the output bound it assumes. */
export interface MaxCost extends OutputBound {
  maxCost: Pico;
}

const larger = (left: Pico, right: Pico | null): Pico =>
  right !== null && right > left ? right : left;

/**
 * Each output is bounded by the request's bound, else the model's max output, else its context
 * length, else {@link DEFAULT_MAX_OUTPUT_TOKENS}; a request with no output (embeddings) needs none.
 */
export function outputBound(shape: CostShape, model: OutputLimits): OutputBound {
  if (shape.outputs === 0) return { maxTokens: 0, injectMaxTokens: false };
  const requested = shape.requestedOutput;
  const maxTokens =
    requested ?? model.maxCompletionTokens ?? model.contextLength ?? DEFAULT_MAX_OUTPUT_TOKENS;
  return { maxTokens, injectMaxTokens: requested === null };
}

/** At least the prompt tokens an upstream can bill for `upstreamBody` (its UTF-8 bytes + allowances). */
export function promptTokenBound(upstreamBody: string, shape: CostShape): bigint {
  return (
    BigInt(Buffer.byteLength(upstreamBody)) +
    BigInt(PROMPT_OVERHEAD_TOKENS) +
    (shape.hasTools ? BigInt(TOOLS_PROMPT_TOKENS) : 0n) +
    BigInt(shape.promptMedia) * BigInt(MEDIA_PART_TOKENS)
  );
}

/**
 * An upper bound on a request's cost at an endpoint's prices, given the body it sends there: its
 * prompt tokens ({@link promptTokenBound}) at the dearest prompt-side price, its outputs at the
 * dearest output price, the request price and the prompt images at the `image` price — in the
 * dearest long-context tier, since the prompt's size picks a tier only once counted.
 */
export function boundCost(
  upstreamBody: string,
  shape: CostShape,
  output: OutputBound,
  endpoint: Pick<MeteredEndpoint, 'prices' | 'byok'>,
): MaxCost {
  const promptTokens = promptTokenBound(upstreamBody, shape);
  const outputTokens = BigInt(output.maxTokens) * BigInt(shape.outputs) + shape.extraOutputTokens;
  let listCost = 0n;
  for (const prices of [endpoint.prices, ...endpoint.prices.tiers.map((tier) => tier.prices)]) {
    const promptPrice = larger(
      larger(larger(prices.prompt, prices.inputCacheWrite), prices.inputCacheRead),
      prices.audio,
    );
    const outputPrice = larger(prices.completion, prices.internalReasoning);
    const cost =
      promptTokens * promptPrice +
      outputTokens * outputPrice +
      prices.request +
      BigInt(shape.promptImages) * prices.image;
    if (cost > listCost) listCost = cost;
  }
  // On the owner's own credential (BYOK) only the gateway's fee is charged.
  const maxCost = endpoint.byok === null ? listCost : byokFeeBound(listCost, endpoint.byok.feePpm);
  return { ...output, maxCost };
}
