import { INPUT_MODALITIES, type Pricing, PricingSchema } from '@tollgate/protocol';
import { z } from 'zod';
import { catalogKeyOf, findEndpointPrice } from '../catalog/resolve-endpoint-price.js';

/** Upstream wire protocols Tollgate speaks. */
export const PROVIDER_KINDS = ['openai', 'anthropic', 'gemini'] as const;

/** One upstream provider. */
export const ProviderConfigSchema = z.strictObject({
  name: z.string().min(1, { error: 'must not be empty' }),
  kind: z.enum(PROVIDER_KINDS, {
    error: `must be one of: ${PROVIDER_KINDS.join(', ')}`,
  }),
  base_url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
  api_key: z.string().optional(),
  timeout_ms: z.int().positive().max(3_600_000).default(120_000),
  headers: z.record(z.string(), z.string()).optional(),
});

/** The explicit opt-in to serve an endpoint whose price is not known (no charge is computed). */
export const UNPRICED = 'unpriced';

/**
 * `pricing`: a pricing object or `unpriced`. Not a `z.union`, whose error for a malformed object
 * would hide the field at fault (`pricing.prompt: …`) behind one generic message.
 */
const EndpointPricingSchema = z.unknown().transform((value, context): Pricing | typeof UNPRICED => {
  if (value === UNPRICED) return UNPRICED;
  if (typeof value === 'string') {
    context.addIssue({ code: 'custom', message: `must be a pricing object or "${UNPRICED}"` });
    return z.NEVER;
  }
  const result = PricingSchema.safeParse(value);
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    context.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  }
  return z.NEVER;
});

/**
 * One way to serve a model: a provider, its model name, and the prices charged. Prices come from
 * `pricing` when set, else from the price catalog under `price` (default: the provider kind's
 * catalog id and `model`). An endpoint with neither is refused unless `pricing: unpriced`.
 */
export const EndpointConfigSchema = z.strictObject({
  provider: z.string().min(1),
  model: z.string().min(1),
  pricing: EndpointPricingSchema.optional(),
  /** Where to look the endpoint up in the price catalog, when it has no `pricing`. */
  price: z
    .strictObject({
      provider: z.string().min(1).optional(),
      model: z.string().min(1).optional(),
    })
    .optional(),
});

/** A model clients can ask for by slug. */
export const ModelConfigSchema = z.strictObject({
  id: z
    .string()
    .regex(/^[A-Za-z0-9._-]+\/[A-Za-z0-9._:-]+$/, { error: 'must look like "author/slug"' }),
  name: z.string().min(1).optional(),
  description: z.string().optional(),
  context_length: z.int().positive().nullable().optional(),
  max_completion_tokens: z.int().positive().nullable().optional(),
  /** Unix seconds shown as the model's `created`; default: when the config was loaded. */
  created: z.int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional(),
  /** Input modalities the model accepts (`text`, `image`, `file`, …); default `[text]`. */
  input_modalities: z
    .array(z.enum(INPUT_MODALITIES, { error: `must be one of: ${INPUT_MODALITIES.join(', ')}` }))
    .min(1, { error: 'needs at least one modality' })
    .optional(),
  endpoints: z.array(EndpointConfigSchema).min(1, { error: 'needs at least one endpoint' }),
});

/** The config file (YAML or JSON). */
export const ConfigFileSchema = z
  .strictObject({
    providers: z.array(ProviderConfigSchema).default([]),
    models: z.array(ModelConfigSchema).default([]),
    data_region: z.string().min(1).default('global'),
    /** Default per-key request-rate limit; absent = unlimited until an operator sets one. */
    rate_limit: z
      .strictObject({
        requests: z.int().positive(),
        interval_seconds: z.int().positive().max(86_400),
      })
      .optional(),
  })
  .superRefine((config, context) => {
    const providerNames = new Set<string>();
    config.providers.forEach((provider, index) => {
      if (providerNames.has(provider.name)) {
        context.addIssue({
          code: 'custom',
          path: ['providers', index, 'name'],
          message: `duplicate provider name "${provider.name}"`,
        });
      }
      providerNames.add(provider.name);
    });
    const modelIds = new Set<string>();
    config.models.forEach((model, modelIndex) => {
      if (modelIds.has(model.id)) {
        context.addIssue({
          code: 'custom',
          path: ['models', modelIndex, 'id'],
          message: `duplicate model id "${model.id}"`,
        });
      }
      modelIds.add(model.id);
      model.endpoints.forEach((endpoint, endpointIndex) => {
        const path = ['models', modelIndex, 'endpoints', endpointIndex];
        const provider = config.providers.find((candidate) => candidate.name === endpoint.provider);
        if (provider === undefined) {
          context.addIssue({
            code: 'custom',
            path: [...path, 'provider'],
            message: `unknown provider "${endpoint.provider}" (declare it under providers)`,
          });
          return;
        }
        const message = priceIssue(endpoint, provider.kind);
        if (message !== null) context.addIssue({ code: 'custom', path, message });
      });
    });
  });

/** Why an endpoint's price cannot be settled, or null when it can (no silent $0). */
function priceIssue(endpoint: EndpointConfig, kind: ProviderKind): string | null {
  if (endpoint.pricing !== undefined) {
    return endpoint.price === undefined
      ? null
      : '`price` selects a catalog entry and `pricing` replaces it: set only one';
  }
  if (findEndpointPrice(endpoint, kind) !== undefined) return null;
  const key = catalogKeyOf(endpoint, kind);
  return (
    `no price for ${key.provider}/${key.model} in the price catalog ${key.version}; ` +
    `set pricing (USD per token), price.model to a catalog entry, or pricing: ${UNPRICED}`
  );
}

/** A validated config file. */
export type ConfigFile = z.infer<typeof ConfigFileSchema>;
/** A validated provider. */
export type ProviderConfig = z.infer<typeof ProviderConfigSchema>;
/** A validated model. */
export type ModelConfig = z.infer<typeof ModelConfigSchema>;
/** A validated model endpoint. */
export type EndpointConfig = z.infer<typeof EndpointConfigSchema>;
/** An upstream wire protocol. */
export type ProviderKind = (typeof PROVIDER_KINDS)[number];
