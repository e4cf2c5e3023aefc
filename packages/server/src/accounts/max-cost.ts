import type { ChatCompletionRequest } from '@tollgate/protocol';
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
  const requested = body.max_completion_tokens ?? body.max_tokens ?? null;
  const maxTokens =
    requested ?? model.maxCompletionTokens ?? model.contextLength ?? DEFAULT_MAX_OUTPUT_TOKENS;
  const promptBound = BigInt(
    Buffer.byteLength(JSON.stringify(body.messages)) + 8 * body.messages.length + 16,
  );
  const prices = endpoint.prices;
  const promptPrice = larger(prices.prompt, prices.inputCacheWrite);
  const outputPrice = larger(prices.completion, prices.internalReasoning);
  const maxCost =
    promptBound * promptPrice +
    BigInt(maxTokens) * outputPrice +
    prices.request +
    BigInt(promptImages) * prices.image;
  return { maxCost, maxTokens, injectMaxTokens: requested === null };
}
