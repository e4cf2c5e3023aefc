import { INPUT_MODALITIES, PricingSchema } from '@tollgate/protocol';
import { z } from 'zod';

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

/** One way to serve a model: a provider, its model name, and the prices charged. */
export const EndpointConfigSchema = z.strictObject({
  provider: z.string().min(1),
  model: z.string().min(1),
  pricing: PricingSchema,
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
        if (!providerNames.has(endpoint.provider)) {
          context.addIssue({
            code: 'custom',
            path: ['models', modelIndex, 'endpoints', endpointIndex, 'provider'],
            message: `unknown provider "${endpoint.provider}" (declare it under providers)`,
          });
        }
      });
    });
  });

/** A validated config file. */
export type ConfigFile = z.infer<typeof ConfigFileSchema>;
/** A validated provider. */
export type ProviderConfig = z.infer<typeof ProviderConfigSchema>;
/** A validated model. */
export type ModelConfig = z.infer<typeof ModelConfigSchema>;
