import { z } from 'zod';

const nullableInt = z.int().nonnegative().nullable();
const nullableNumber = z.number().nullable();
const nullableString = z.string().nullable();

/** `api_type` values OpenRouter documents (clients accept any string). */
export const API_TYPES = [
  'completions',
  'embeddings',
  'rerank',
  'tts',
  'stt',
  'video',
  'image',
] as const;

/**
 * One upstream attempt made while serving a generation (fallbacks add more). Every field but
 * `status` is optional and never null: `@openrouter/sdk` declares them optional non-nullable and
 * rejects a record with a null there, so a field Tollgate does not know is omitted.
 */
export const ProviderResponseSchema = z.object({
  status: z.int().nullable(),
  id: z.string().optional(),
  endpoint_id: z.string().optional(),
  model_permaslug: z.string().optional(),
  provider_name: z.string().optional(),
  latency: z.number().optional(),
  is_byok: z.boolean().optional(),
});

/** One element of `provider_responses`. */
export type ProviderResponse = z.infer<typeof ProviderResponseSchema>;

/**
 * The generation record returned by `GET /api/v1/generation?id=` under `data`: the 45 keys of
 * OpenRouter's current schema (42 required, `request_id`, `session_id` and
 * `response_cache_source_id` optional there, always sent by Tollgate), plus Tollgate's extras.
 */
export const GenerationRecordSchema = z.object({
  id: z
    .string()
    .describe('Generation id (`gen-…`), also the completion `id` and `X-Generation-Id`.'),
  upstream_id: nullableString.describe("The serving upstream's own response id."),
  total_cost: z.number().describe('Total cost of the generation in USD.'),
  cache_discount: nullableNumber.describe(
    'USD saved by cache reads (positive) or paid extra for cache writes (negative).',
  ),
  upstream_inference_cost: nullableNumber.describe('What the upstream charges, in USD.'),
  created_at: z.string().describe('ISO-8601 time the request was received, with offset.'),
  model: z.string().describe('Slug of the model that served the request.'),
  app_id: nullableInt.describe('Attributed app id; Tollgate has no app registry, so null.'),
  streamed: z.boolean().nullable().describe('Whether the response was streamed.'),
  cancelled: z.boolean().nullable().describe('Whether the client went away before the end.'),
  provider_name: nullableString.describe('Display name of the serving provider.'),
  latency: nullableNumber.describe('Milliseconds from receiving the request to the first token.'),
  moderation_latency: nullableNumber.describe('Milliseconds spent in moderation; null (none).'),
  generation_time: nullableNumber.describe(
    'Milliseconds from dispatching the upstream request until its body ended.',
  ),
  finish_reason: nullableString.describe('Normalized finish reason.'),
  tokens_prompt: nullableInt.describe('Prompt tokens counted with the reference tokenizer.'),
  tokens_completion: nullableInt.describe(
    'Completion tokens counted with the reference tokenizer.',
  ),
  native_tokens_prompt: nullableInt.describe('Prompt tokens reported by the upstream.'),
  native_tokens_completion: nullableInt.describe('Completion tokens reported by the upstream.'),
  native_tokens_completion_images: nullableInt.describe('Completion image tokens (upstream).'),
  native_tokens_reasoning: nullableInt.describe('Reasoning tokens reported by the upstream.'),
  native_tokens_cached: nullableInt.describe('Prompt tokens read from cache (upstream).'),
  num_media_prompt: nullableInt.describe('Images and files in the prompt.'),
  num_input_audio_prompt: nullableInt.describe('Audio inputs in the prompt.'),
  num_media_completion: nullableInt.describe('Media items in the completion.'),
  num_search_results: nullableInt.describe('Web search results injected; null without search.'),
  origin: z.string().describe('The HTTP-Referer of the request, or "" without one.'),
  usage: z.number().describe('USD deducted from the account for this generation.'),
  is_byok: z.boolean().describe("Whether the request ran on the key owner's provider key."),
  native_finish_reason: nullableString.describe('Finish reason as the upstream sent it.'),
  external_user: nullableString.describe('The `user` field of the request body.'),
  api_type: z.string().nullable().describe('completions | embeddings | …'),
  router: nullableString.describe('Router used; null (no auto router).'),
  provider_responses: z.array(ProviderResponseSchema).nullable(),
  http_referer: nullableString.describe('The raw HTTP-Referer header.'),
  user_agent: nullableString.describe('The raw User-Agent header.'),
  request_id: nullableString.describe('Id of the API request (`req-…`).'),
  session_id: nullableString.describe('Body `session_id` or `x-session-id` header.'),
  num_fetches: nullableInt.describe('Web fetches performed; null without the web plugin.'),
  web_search_engine: nullableString,
  response_cache_source_id: nullableString,
  service_tier: nullableString.describe('Service tier the upstream reported.'),
  preset_id: nullableString,
  data_region: z.string().describe('Region the generation was routed through.'),
  workspace_id: nullableString,
});

/** A generation record in wire form. */
export type GenerationRecord = z.infer<typeof GenerationRecordSchema>;

/** Body of `GET /api/v1/generation`. */
export const GetGenerationResponseSchema = z.object({ data: GenerationRecordSchema });

/** Body of `GET /api/v1/generation`. */
export type GetGenerationResponse = z.infer<typeof GetGenerationResponseSchema>;

/**
 * The `id` query parameter of the generation lookups: missing, given more than once (the query
 * parser makes that an array) and empty each get their own message.
 */
export const GenerationIdParameter = z
  .string({
    error: (issue) =>
      issue.input === undefined
        ? 'query parameter `id` is required'
        : 'query parameter `id` must be given once, as a string',
  })
  .min(1, { error: 'query parameter `id` must not be empty' });

/** Query of `GET /api/v1/generation`. */
export const GetGenerationQuerySchema = z.object({ id: GenerationIdParameter });
