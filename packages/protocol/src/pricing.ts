import { z } from 'zod';

/** A USD amount as a plain decimal string (at most 12 decimal places), e.g. `"0.000001"`. */
export const UsdDecimalSchema = z
  .string({ error: 'a price must be a decimal string such as "0.000001"' })
  .regex(/^\d+(\.\d{1,12})?$/, {
    error:
      'a price must be a non-negative plain decimal string with at most 12 decimal places, e.g. "0.000001"',
  });

/** Prices of one model endpoint in OpenRouter's shape: USD per token, per request, per image. */
export const PricingSchema = z.strictObject({
  prompt: UsdDecimalSchema,
  completion: UsdDecimalSchema,
  input_cache_read: UsdDecimalSchema.optional(),
  input_cache_write: UsdDecimalSchema.optional(),
  internal_reasoning: UsdDecimalSchema.optional(),
  request: UsdDecimalSchema.optional(),
  image: UsdDecimalSchema.optional(),
  web_search: UsdDecimalSchema.optional(),
});

/** Prices of one model endpoint (USD decimal strings). */
export type Pricing = z.infer<typeof PricingSchema>;
