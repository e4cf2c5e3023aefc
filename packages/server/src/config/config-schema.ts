import {
  INPUT_MODALITIES,
  OUTPUT_MODALITIES,
  PriceTierSchema,
  type Pricing,
  PricingSchema,
} from '@tollgate/protocol';
import { z } from 'zod';
import { DEFAULTS } from './defaults.js';
import { DURABILITY_LEVELS } from './durability.js';

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
  /** Most sockets kept open to this provider (undici pool); requests beyond it queue. */
  max_connections: z.int().positive().max(65_536).default(1024),
  headers: z.record(z.string(), z.string()).optional(),
});

/**
 * BYOK: a provider credential that belongs to the owners of some API keys. Their requests to
 * that provider run on it (tried first, as OpenRouter does) and pay only the gateway's fee.
 */
export const ByokCredentialSchema = z.strictObject({
  /** A provider declared under `providers`; the credential replaces its `api_key`. */
  provider: z.string().min(1),
  api_key: z.string().min(1, { error: 'must not be empty' }),
  /** The API keys (their `hash`, as `GET /api/v1/keys` lists it) whose requests use it. */
  key_hashes: z
    .array(z.string().regex(/^[0-9a-f]{64}$/, { error: 'must be a key hash (64 hex digits)' }))
    .min(1, { error: 'needs at least one key hash' }),
  /** Never fall back to the gateway's own credential for this provider when the BYOK one fails. */
  always_use: z.boolean().default(false),
});

/** BYOK settings: the gateway's fee and the credentials. */
export const ByokConfigSchema = z.strictObject({
  /**
   * The gateway's fee on BYOK requests, in percent of what the provider charges at list price
   * (OpenRouter charges 5); a decimal with at most 4 places. Default 0 (self-hosting).
   */
  fee_percent: z
    .union([z.number(), z.string()])
    .transform((value) => String(value))
    .pipe(
      z.string().regex(/^(100(\.0{1,4})?|\d{1,2}(\.\d{1,4})?)$/, {
        error: 'must be a percentage between 0 and 100 with at most 4 decimal places',
      }),
    )
    .default('0'),
  credentials: z.array(ByokCredentialSchema).default([]),
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
  /** Long-context tiers of `pricing` (e.g. Gemini's price above 200k prompt tokens). */
  pricing_tiers: z
    .array(PriceTierSchema)
    .min(1, { error: 'needs at least one tier (or leave pricing_tiers out)' })
    .refine(
      (tiers) => new Set(tiers.map((tier) => tier.prompt_tokens_above)).size === tiers.length,
      { error: 'two tiers start at the same prompt_tokens_above' },
    )
    .optional(),
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
  /**
   * What the model produces; default `[text]` (a chat model). An embedding model says
   * `[embeddings]`: the catalog lists it as `text->embeddings`, as OpenRouter does.
   */
  output_modalities: z
    .array(z.enum(OUTPUT_MODALITIES, { error: `must be one of: ${OUTPUT_MODALITIES.join(', ')}` }))
    .min(1, { error: 'needs at least one modality' })
    .optional(),
  endpoints: z.array(EndpointConfigSchema).min(1, { error: 'needs at least one endpoint' }),
});

/** Whether `value` is exactly an http(s) origin (`https://app.example.com`, no path or slash). */
function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
  } catch {
    return false;
  }
}
/** `http:` — how long a client may take to send a request, and connections per address. */
export const HttpConfigSchema = z
  .strictObject({
    /** Request line and headers must arrive within this (default 10000); 408 beyond. */
    headers_timeout_ms: z.int().min(100).max(600_000).optional(),
    /** The whole request, body included, must arrive within this (default 30000); 408 beyond. */
    request_timeout_ms: z.int().min(100).max(3_600_000).optional(),
    /** Open connections one client address may hold (default 1024; 0 = unlimited); 429 beyond. */
    max_connections_per_address: z.int().nonnegative().max(1_000_000).optional(),
  })
  .refine(
    (http) =>
      (http.headers_timeout_ms ?? DEFAULTS.http.headersTimeoutMs) <=
      (http.request_timeout_ms ?? DEFAULTS.http.requestTimeoutMs),
    {
      path: ['headers_timeout_ms'],
      error: `must not exceed request_timeout_ms (the headers are part of the request; defaults ${DEFAULTS.http.headersTimeoutMs} and ${DEFAULTS.http.requestTimeoutMs})`,
    },
  );

/** The config file (YAML or JSON). */
export const ConfigFileSchema = z
  .strictObject({
    providers: z.array(ProviderConfigSchema).default([]),
    models: z.array(ModelConfigSchema).default([]),
    data_region: z.string().min(1).default(DEFAULTS.dataRegion),
    /** Keep prompts and completions with their records (compressed); keys may override. */
    store_content: z.boolean().optional(),
    /** Origins browser pages may call the API from (CORS); absent = `*` (any), as OpenRouter. */
    cors_origins: z.array(z.string().min(1)).min(1).optional(),
    /** Origins (besides loopback) OAuth codes may be sent to (`/auth`'s callback_url); decision 0021. */
    oauth_callback_origins: z
      .array(
        z.string().refine(isOrigin, {
          error: 'must be an origin: scheme://host[:port], no path (e.g. https://app.example.com)',
        }),
      )
      .optional(),
    /** PostgreSQL URL (`${VAR}` allowed; env DATABASE_URL wins); absent = SQLite in the data dir. */
    database_url: z
      .string()
      .regex(/^postgres(ql)?:\/\//, { error: 'must be a postgres:// or postgresql:// URL' })
      .optional(),
    /** PostgreSQL connections per node (env DATABASE_POOL_SIZE wins; default 10). */
    database_pool_size: z.int().positive().max(1000).optional(),
    /**
     * The hottest PostgreSQL read as a named prepared statement (default true); false behind a
     * pooler in transaction mode (env DATABASE_PREPARED_STATEMENTS wins; decision 0032).
     */
    database_prepared_statements: z.boolean({ error: 'must be true or false' }).optional(),
    /** What a committed record survives: power (default) or process (env TOLLGATE_DURABILITY wins). */
    durability: z.enum(DURABILITY_LEVELS).optional(),
    /** Days generation records are kept (usage survives in daily rollups); null/absent = forever. */
    retention_days: z.int().positive().max(36_500).nullable().optional(),
    /** Provider credentials of key owners (bring your own key). */
    byok: ByokConfigSchema.default({ fee_percent: '0', credentials: [] }),
    /** Default per-key request-rate limit; absent = unlimited until an operator sets one. */
    rate_limit: z
      .strictObject({
        requests: z.int().positive(),
        interval_seconds: z.int().positive().max(86_400),
      })
      .optional(),
    /** Inference requests served at once; more wait in a queue (absent = 1024; decision 0012). */
    max_concurrent_requests: z.int().positive().max(1_000_000).optional(),
    /** Inference requests that may wait for a slot (absent = 4096); beyond it, 503 + Retry-After. */
    max_queue: z.int().nonnegative().max(1_000_000).optional(),
    /** Bounds on slow and crowding clients (absent keys = the defaults; decision 0018). */
    http: HttpConfigSchema.optional(),
    /** Redis shared by every node for rate limits and credit holds (env REDIS_URL wins). */
    redis_url: z
      .string()
      .regex(/^rediss?:\/\//, { error: 'must be a redis:// or rediss:// URL' })
      .optional(),
    /** Prefix of every Redis key Tollgate writes (default `tollgate:`). */
    redis_key_prefix: z
      .string()
      .regex(/^[A-Za-z0-9:_.{}-]{1,64}$/, { error: 'must be 1-64 of A-Z a-z 0-9 : _ . { } -' })
      .optional(),
    /** Rate limiting without Redis: closed (503, default) or open; credit checks always 503. */
    redis_failure: z.enum(['closed', 'open'], { error: 'must be closed or open' }).optional(),
    /** In-flight journal timings (decision 0017); env TOLLGATE_CHECKPOINT_INTERVAL_MS etc. win. */
    inflight: z
      .strictObject({
        /** How often streams' relayed text is checkpointed, ms (default 1000; 0 = off). */
        checkpoint_interval_ms: z.int().nonnegative().max(3_600_000).optional(),
        /** A node silent this long is dead; others recover its streams, ms (default 30000). */
        node_lease_ms: z.int().min(300).max(86_400_000).optional(),
        /** How long a lookup of an in-flight id waits for its record, ms (default 2000). */
        lookup_wait_ms: z.int().nonnegative().max(60_000).optional(),
      })
      .optional(),
    /** `GET /metrics` (Prometheus): on by default; with a token it requires `Bearer <token>`. */
    metrics: z
      .strictObject({ enabled: z.boolean().default(true), token: z.string().min(16).optional() })
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
    const byokPairs = new Set<string>();
    config.byok.credentials.forEach((credential, index) => {
      const path = ['byok', 'credentials', index];
      if (!providerNames.has(credential.provider)) {
        context.addIssue({
          code: 'custom',
          path: [...path, 'provider'],
          message: `unknown provider "${credential.provider}" (declare it under providers)`,
        });
      }
      credential.key_hashes.forEach((hash, hashIndex) => {
        const pair = `${credential.provider}\u0000${hash}`;
        if (byokPairs.has(pair)) {
          context.addIssue({
            code: 'custom',
            path: [...path, 'key_hashes', hashIndex],
            message: `key ${hash.slice(0, 12)}… already has a credential for "${credential.provider}"`,
          });
        }
        byokPairs.add(pair);
      });
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
        if (!providerNames.has(endpoint.provider)) {
          context.addIssue({
            code: 'custom',
            path: [...path, 'provider'],
            message: `unknown provider "${endpoint.provider}" (declare it under providers)`,
          });
          return;
        }
        const message = pricingIssue(endpoint);
        if (message !== null) context.addIssue({ code: 'custom', path, message });
      });
    });
  });

/**
 * Why an endpoint's pricing fields contradict each other, or null. Whether the price catalog has
 * an endpoint's price is checked by the catalog (prices/check-catalog-prices.ts): the config
 * layer knows no catalog.
 */
function pricingIssue(endpoint: EndpointConfig): string | null {
  if (
    endpoint.pricing_tiers !== undefined &&
    (endpoint.pricing === undefined || endpoint.pricing === UNPRICED)
  ) {
    return '`pricing_tiers` refine `pricing`: set pricing too';
  }
  if (endpoint.pricing !== undefined && endpoint.price !== undefined) {
    return '`price` selects a catalog entry and `pricing` replaces it: set only one';
  }
  return null;
}

/** A validated config file. */
export type ConfigFile = z.infer<typeof ConfigFileSchema>;
/** A validated provider. */
export type ProviderConfig = z.infer<typeof ProviderConfigSchema>;
/** A validated model. */
export type ModelConfig = z.infer<typeof ModelConfigSchema>;
/** A validated BYOK credential. */
export type ByokCredentialConfig = z.infer<typeof ByokCredentialSchema>;
/** A validated model endpoint. */
export type EndpointConfig = z.infer<typeof EndpointConfigSchema>;
/** An upstream wire protocol. */
export type ProviderKind = (typeof PROVIDER_KINDS)[number];
