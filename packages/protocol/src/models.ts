import { z } from 'zod';
import { ListedPricingSchema } from './pricing.js';

/** Input modalities OpenRouter lists on models (`architecture.input_modalities`). */
export const INPUT_MODALITIES = ['text', 'image', 'file', 'audio', 'video'] as const;

/** An input modality a model accepts. */
export type InputModality = (typeof INPUT_MODALITIES)[number];

/** Output modalities OpenRouter lists on models (`architecture.output_modalities`). */
export const OUTPUT_MODALITIES = ['text', 'image', 'audio', 'embeddings'] as const;

/** What a model produces: text (chat, completions), images, audio or embedding vectors. */
export type OutputModality = (typeof OUTPUT_MODALITIES)[number];

/** Request parameters OpenRouter names in `supported_parameters` (clients accept any string). */
export const MODEL_PARAMETERS = [
  'temperature',
  'top_p',
  'top_k',
  'min_p',
  'top_a',
  'frequency_penalty',
  'presence_penalty',
  'repetition_penalty',
  'max_tokens',
  'max_completion_tokens',
  'logit_bias',
  'logprobs',
  'top_logprobs',
  'prediction',
  'seed',
  'response_format',
  'structured_outputs',
  'stop',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'include_reasoning',
  'reasoning',
  'reasoning_effort',
  'web_search_options',
  'verbosity',
] as const;

/** A request parameter named in `supported_parameters`. */
export type ModelParameter = (typeof MODEL_PARAMETERS)[number];

/** What a model reads and writes. */
export const ModelArchitectureSchema = z.object({
  modality: z.string().nullable().describe('`<inputs>-><outputs>`, e.g. `text+image->text`.'),
  input_modalities: z.array(z.string()).describe('text | image | file | audio | video'),
  output_modalities: z.array(z.string()).describe('text | image | embeddings | audio | …'),
  tokenizer: z.string().describe('Tokenizer family (GPT, Claude, …); Tollgate sends "Other".'),
  instruct_type: z.string().nullable().describe('Prompt template family, or null.'),
});

/** A model's architecture. */
export type ModelArchitecture = z.infer<typeof ModelArchitectureSchema>;

/** Limits of the model's first (preferred) endpoint. */
export const TopProviderSchema = z.object({
  context_length: z.int().positive().nullable(),
  max_completion_tokens: z.int().positive().nullable(),
  is_moderated: z.boolean(),
});

/** Token limits applied to each request, when the model has any. */
export const PerRequestLimitsSchema = z.object({
  prompt_tokens: z.number(),
  completion_tokens: z.number(),
});

/** Sampling defaults the model applies when a request leaves them out. */
export const DefaultParametersSchema = z.object({
  temperature: z.number().nullable().optional(),
  top_p: z.number().nullable().optional(),
  top_k: z.int().nullable().optional(),
  frequency_penalty: z.number().nullable().optional(),
  presence_penalty: z.number().nullable().optional(),
  repetition_penalty: z.number().nullable().optional(),
});

/** One model of `GET /api/v1/models` and `GET /api/v1/model/{author}/{slug}`. */
export const ModelSchema = z.object({
  id: z.string().describe('The slug to send as `model`, e.g. `openai/gpt-4o`.'),
  canonical_slug: z.string().describe('Permanent slug; Tollgate uses the id.'),
  hugging_face_id: z.string().nullable(),
  name: z.string(),
  created: z.int().nonnegative().describe('Unix seconds the model was added to the catalog.'),
  description: z.string(),
  context_length: z.int().positive().nullable().describe('Context window in tokens, if known.'),
  architecture: ModelArchitectureSchema,
  pricing: ListedPricingSchema.describe("The first endpoint's prices (USD decimal strings)."),
  top_provider: TopProviderSchema,
  per_request_limits: PerRequestLimitsSchema.nullable(),
  supported_parameters: z.array(z.string()).describe('Request parameters the model honours.'),
  default_parameters: DefaultParametersSchema.nullable(),
  expiration_date: z.string().nullable(),
  supported_voices: z.array(z.string()).nullable(),
  links: z.object({
    details: z.string().describe('Path of the endpoints list: `/api/v1/models/<id>/endpoints`.'),
  }),
});

/** One model of the catalog. */
export type Model = z.infer<typeof ModelSchema>;

/** Body of `GET /api/v1/models`. */
export const ModelsListResponseSchema = z.object({
  data: z.array(ModelSchema),
  total_count: z.int().nonnegative().describe('Models matching the filters, before paging.'),
  links: z.object({
    next: z.string().nullable().describe('Path and query of the next page, or null on the last.'),
  }),
});

/** Body of `GET /api/v1/models`. */
export type ModelsListResponse = z.infer<typeof ModelsListResponseSchema>;

/** Body of `GET /api/v1/models/count`. */
export const ModelsCountResponseSchema = z.object({
  data: z.object({ count: z.int().nonnegative() }),
});

/** Body of `GET /api/v1/models/count`. */
export type ModelsCountResponse = z.infer<typeof ModelsCountResponseSchema>;

/** Body of `GET /api/v1/model/{author}/{slug}`. */
export const ModelResponseSchema = z.object({ data: ModelSchema });

/** Body of `GET /api/v1/model/{author}/{slug}`. */
export type ModelResponse = z.infer<typeof ModelResponseSchema>;

/** Percentiles of a recent measurement (latency in ms, throughput in tokens/s). */
export const PercentileStatsSchema = z.object({
  p50: z.number(),
  p75: z.number(),
  p90: z.number(),
  p99: z.number(),
});

/** Which `tool_choice` values an endpoint honours. */
export const ToolChoiceSupportSchema = z.object({
  auto: z.boolean(),
  function: z.boolean(),
  none: z.boolean(),
  required: z.boolean(),
});

/** Which `tool_choice` values an endpoint honours. */
export type ToolChoiceSupport = z.infer<typeof ToolChoiceSupportSchema>;

/** One provider serving a model, in `GET /api/v1/models/{author}/{slug}/endpoints`. */
export const PublicEndpointSchema = z.object({
  name: z.string().describe('`<provider name> | <model id>`.'),
  model_id: z.string(),
  model_name: z.string(),
  context_length: z
    .int()
    .nonnegative()
    .describe('Context window in tokens; 0 when the config does not say.'),
  pricing: ListedPricingSchema,
  provider_name: z.string(),
  tag: z.string().describe('Provider slug, as used in `provider.order`.'),
  quantization: z.string().nullable(),
  max_completion_tokens: z.int().positive().nullable(),
  max_prompt_tokens: z.int().positive().nullable(),
  supported_parameters: z.array(z.string()),
  status: z.int().describe('0 = serving; negative values are degraded states.'),
  uptime_last_30m: z.number().nullable(),
  uptime_last_5m: z.number().nullable(),
  uptime_last_1d: z.number().nullable(),
  latency_last_30m: PercentileStatsSchema.nullable(),
  throughput_last_30m: PercentileStatsSchema.nullable(),
  supports_implicit_caching: z.boolean(),
  supports_tool_choice: ToolChoiceSupportSchema,
  supports_voice_cloning: z.boolean(),
});

/** One provider serving a model. */
export type PublicEndpoint = z.infer<typeof PublicEndpointSchema>;

/** A model with every endpoint serving it. */
export const ModelEndpointsSchema = z.object({
  id: z.string(),
  name: z.string(),
  created: z.int().nonnegative(),
  description: z.string(),
  architecture: ModelArchitectureSchema,
  endpoints: z.array(PublicEndpointSchema),
});

/** A model with every endpoint serving it. */
export type ModelEndpoints = z.infer<typeof ModelEndpointsSchema>;

/** Body of `GET /api/v1/models/{author}/{slug}/endpoints`. */
export const ModelEndpointsResponseSchema = z.object({ data: ModelEndpointsSchema });

/** Body of `GET /api/v1/models/{author}/{slug}/endpoints`. */
export type ModelEndpointsResponse = z.infer<typeof ModelEndpointsResponseSchema>;

/** One upstream provider of `GET /api/v1/providers`. */
export const ProviderSchema = z.object({
  name: z.string(),
  slug: z.string().describe('Lowercase name, non-alphanumerics as `-`; the endpoint `tag`.'),
  privacy_policy_url: z.string().nullable(),
  terms_of_service_url: z.string().nullable(),
  status_page_url: z.string().nullable(),
});

/** One upstream provider. */
export type Provider = z.infer<typeof ProviderSchema>;

/** Body of `GET /api/v1/providers`. */
export const ProvidersResponseSchema = z.object({ data: z.array(ProviderSchema) });

/** Body of `GET /api/v1/providers`. */
export type ProvidersResponse = z.infer<typeof ProvidersResponseSchema>;

/** Largest `limit` of `GET /api/v1/models`. */
export const MODELS_PAGE_LIMIT_MAX = 1000;

/** `limit` of `GET /api/v1/models` when only `offset` is given. */
export const MODELS_PAGE_LIMIT_DEFAULT = 500;

/** A query parameter holding a decimal integer in `[min, max]`; one issue when it does not. */
function integerParameter(min: number, max: number, message: string) {
  return z
    .string({ error: message })
    .refine(
      (text) => {
        const value = Number(text);
        return /^\d+$/.test(text) && Number.isSafeInteger(value) && value >= min && value <= max;
      },
      { error: message },
    )
    .transform(Number);
}

/**
 * Query of `GET /api/v1/models`. Paging is opt-in: without `offset` and `limit` every model is
 * returned. Comma lists: a model must support every `supported_parameters` entry and produce
 * one of the `output_modalities` (default `text`; `all` for any). `category` is accepted and
 * has no effect (Tollgate has no category rankings). Other OpenRouter parameters are ignored.
 */
export const ModelsListQuerySchema = z.object({
  offset: integerParameter(0, Number.MAX_SAFE_INTEGER, 'must be a non-negative integer').optional(),
  limit: integerParameter(
    1,
    MODELS_PAGE_LIMIT_MAX,
    `must be an integer from 1 to ${MODELS_PAGE_LIMIT_MAX}`,
  ).optional(),
  supported_parameters: z.string({ error: 'must be a comma-separated list' }).optional(),
  output_modalities: z.string({ error: 'must be a comma-separated list' }).optional(),
  category: z.string({ error: 'must be a single category' }).optional(),
});

/** A validated `GET /api/v1/models` query. */
export type ModelsListQuery = z.infer<typeof ModelsListQuerySchema>;

/** Query of `GET /api/v1/embeddings/models`: the list's, with `output_modalities` fixed to embeddings. */
export const EmbeddingsModelsQuerySchema = ModelsListQuerySchema.omit({ output_modalities: true });

/** Query of `GET /api/v1/models/count`: the same `output_modalities` filter as the list. */
export const ModelsCountQuerySchema = ModelsListQuerySchema.pick({ output_modalities: true });

/** A validated `GET /api/v1/models/count` query. */
export type ModelsCountQuery = z.infer<typeof ModelsCountQuerySchema>;
