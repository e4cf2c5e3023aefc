import { z } from 'zod';

/** A USD amount as a plain decimal string (at most 12 decimal places), e.g. `"0.000001"`. */
export const UsdDecimalSchema = z
  .string({ error: 'a price must be a decimal string such as "0.000001"' })
  .regex(/^\d+(\.\d{1,12})?$/, {
    error:
      'a price must be a non-negative plain decimal string with at most 12 decimal places, e.g. "0.000001"',
  });

/**
 * Prices of one model endpoint in OpenRouter's shape: USD per token, per request, per image, per
 * web search; `audio` is USD per audio prompt token.
 */
export const PricingSchema = z.strictObject({
  prompt: UsdDecimalSchema,
  completion: UsdDecimalSchema,
  input_cache_read: UsdDecimalSchema.optional(),
  input_cache_write: UsdDecimalSchema.optional(),
  internal_reasoning: UsdDecimalSchema.optional(),
  request: UsdDecimalSchema.optional(),
  image: UsdDecimalSchema.optional(),
  web_search: UsdDecimalSchema.optional(),
  audio: UsdDecimalSchema.optional(),
});

/** Prices of one model endpoint (USD decimal strings). */
export type Pricing = z.infer<typeof PricingSchema>;

/**
 * A price tier: the full pricing in force once a request has more than `prompt_tokens_above`
 * prompt tokens (cached ones included), applied to every token of that request — as Gemini's and
 * Anthropic's long-context prices work. Not part of OpenRouter's wire shapes (which list the base).
 */
export const PriceTierSchema = z.strictObject({
  prompt_tokens_above: z.int().nonnegative(),
  pricing: PricingSchema,
});

/** A price tier. */
export type PriceTier = z.infer<typeof PriceTierSchema>;

/** OpenRouter's marker for a price that is not known in advance (its routers list it too). */
export const UNKNOWN_PRICE = '-1';

/**
 * Prices as `/models` lists them: {@link PricingSchema}, or `"-1"` for `prompt` and `completion`
 * when the endpoint is served unpriced (OpenRouter lists its variable-price routers the same way).
 */
export const ListedPricingSchema = PricingSchema.extend({
  prompt: UsdDecimalSchema.or(z.literal(UNKNOWN_PRICE)),
  completion: UsdDecimalSchema.or(z.literal(UNKNOWN_PRICE)),
});

/** Prices as `/models` lists them. */
export type ListedPricing = z.infer<typeof ListedPricingSchema>;

/**
 * How a generation's cost was determined: `priced` at the endpoint's prices; `insured` when
 * zero-completion insurance waived the token and request charges; `unpriced` when the endpoint
 * has no known price (`pricing: unpriced` in the config), so no charge was computed.
 */
export const COST_STATUSES = ['priced', 'insured', 'unpriced'] as const;

/** How a generation's cost was determined. */
export type CostStatus = (typeof COST_STATUSES)[number];
