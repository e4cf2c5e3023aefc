import type { ChatCompletionRequest } from '@tollgate/protocol';
import { byokFeeBound } from '../ledger/cost-engine.js';
import type { Pico } from '../ledger/money.js';
import type { CatalogModel, ModelEndpoint } from '../routing/model-catalog.js';

/** Output bound when neither the request nor the model sets one (then sent upstream as max_tokens). */
export const DEFAULT_MAX_OUTPUT_TOKENS = 4096;

/** The most a request can cost, and the output bound it assumes. */
export interface MaxCost {
  maxCost: Pico;
  maxTokens: number;
  /** The request set no output bound: send `maxTokens` upstream so the bound holds. */
  injectMaxTokens: boolean;
}

const larger = (left: Pico, right: Pico | null): Pico =>
  right !== null && right > left ? right : left;

/** What bounds a request's cost, whatever its route. */
export interface CostBounds {
  /** At least the prompt's tokens (UTF-8 bytes bound them: a token covers at least one byte). */
  promptTokens: bigint;
  /** The output bound the request set (`max_tokens`…), or null for none. */
  requestedOutput: number | null;
  /** Completions the request may produce: one per legacy prompt; 0 for embeddings. */
  outputs: number;
  promptImages: number;
}

/**
 * An upper bound on a request's cost at an endpoint's prices. Each output is bounded by the
 * request's bound, else the model's max output, else its context length, else
 * {@link DEFAULT_MAX_OUTPUT_TOKENS}; a request with no output (embeddings) needs no bound.
 */
export function boundCost(
  bounds: CostBounds,
  model: CatalogModel,
  endpoint: ModelEndpoint,
): MaxCost {
  const requested = bounds.requestedOutput;
  const maxTokens =
    bounds.outputs === 0
      ? 0
      : (requested ??
        model.maxCompletionTokens ??
        model.contextLength ??
        DEFAULT_MAX_OUTPUT_TOKENS);
  // The prompt's size picks a tier only once counted: bound with the dearest of them all.
  let listCost = 0n;
  for (const prices of [endpoint.prices, ...endpoint.prices.tiers.map((tier) => tier.prices)]) {
    const promptPrice = larger(larger(prices.prompt, prices.inputCacheWrite), prices.audio);
    const outputPrice = larger(prices.completion, prices.internalReasoning);
    const cost =
      bounds.promptTokens * promptPrice +
      BigInt(maxTokens) * BigInt(bounds.outputs) * outputPrice +
      prices.request +
      BigInt(bounds.promptImages) * prices.image;
    if (cost > listCost) listCost = cost;
  }
  // On the owner's own credential (BYOK) only the gateway's fee is charged.
  const maxCost = endpoint.byok === null ? listCost : byokFeeBound(listCost, endpoint.byok.feePpm);
  return { maxCost, maxTokens, injectMaxTokens: bounds.outputs > 0 && requested === null };
}

/** Prompt tokens of plain texts are at most their UTF-8 bytes, plus a few special tokens each. */
export function textsTokenBound(texts: readonly string[]): bigint {
  let bytes = 16;
  for (const text of texts) bytes += Buffer.byteLength(text) + 8;
  return BigInt(bytes);
}

/**
 * An upper bound on a chat request's cost at an endpoint's prices. Prompt tokens are bounded by
 * the prompt's UTF-8 bytes (a token covers at least one byte) plus per-message overhead; output
 * by `max_completion_tokens`/`max_tokens`, else the model's max output, else its context length,
 * else {@link DEFAULT_MAX_OUTPUT_TOKENS}.
 */
export function computeMaxCost(
  body: ChatCompletionRequest,
  model: CatalogModel,
  endpoint: ModelEndpoint,
  promptImages: number,
): MaxCost {
  const promptTokens = BigInt(
    Buffer.byteLength(JSON.stringify(body.messages)) + 8 * body.messages.length + 16,
  );
  const requestedOutput = body.max_completion_tokens ?? body.max_tokens ?? null;
  return boundCost({ promptTokens, requestedOutput, outputs: 1, promptImages }, model, endpoint);
}
