import { z } from 'zod';
import { COST_STATUSES } from './pricing.js';

const nonEmptyString = (what: string) =>
  z.string({ error: `${what} must be a string` }).min(1, { error: `${what} must not be empty` });

const url = nonEmptyString('`url`');

/** `{type: "text", text}`; `cache_control` and other keys are kept. */
const TextPartSchema = z.looseObject({
  type: z.literal('text'),
  text: z.string({ error: 'a text part needs a string `text`' }),
});

/** `{type: "image_url", image_url: {url, detail?}}` (a bare URL string is accepted too). */
const ImageUrlPartSchema = z.looseObject({
  type: z.literal('image_url'),
  image_url: z.union([url, z.looseObject({ url, detail: z.string().optional() })], {
    error: '`image_url` must be an object with a string `url`',
  }),
});

const InputAudioPartSchema = z.looseObject({
  type: z.literal('input_audio'),
  input_audio: z.looseObject(
    { data: nonEmptyString('`data`'), format: nonEmptyString('`format`') },
    { error: '`input_audio` must be an object with `data` and `format`' },
  ),
});

const FilePartSchema = z.looseObject({
  type: z.literal('file'),
  file: z.looseObject(
    {
      filename: z.string().optional(),
      file_data: z.string().optional(),
      file_id: z.string().optional(),
    },
    { error: '`file` must be an object' },
  ),
});

const videoUrl = z.looseObject({ url }, { error: '`video_url` must be an object with a `url`' });

const VideoUrlPartSchema = z.looseObject({ type: z.literal('video_url'), video_url: videoUrl });

const InputVideoPartSchema = z.looseObject({ type: z.literal('input_video'), video_url: videoUrl });

/** An assistant message's refusal, as OpenAI sends it back in history. */
const RefusalPartSchema = z.looseObject({
  type: z.literal('refusal'),
  refusal: z.string({ error: 'a refusal part needs a string `refusal`' }),
});

/** Content part types a message may carry (OpenRouter's `ChatContentItems`, plus `refusal`). */
export const CONTENT_PART_TYPES = [
  'text',
  'image_url',
  'input_audio',
  'file',
  'video_url',
  'input_video',
  'refusal',
] as const;

/** One part of a message's `content` array. */
export const ContentPartSchema = z.discriminatedUnion(
  'type',
  [
    TextPartSchema,
    ImageUrlPartSchema,
    InputAudioPartSchema,
    FilePartSchema,
    VideoUrlPartSchema,
    InputVideoPartSchema,
    RefusalPartSchema,
  ],
  { error: `a content part's \`type\` must be one of ${CONTENT_PART_TYPES.join(', ')}` },
);

const contentParts = z
  .array(ContentPartSchema, { error: '`content` must be a string or an array of content parts' })
  .min(1, { error: '`content` must not be an empty array' });

/** `content` where it is required: a string or a non-empty array of parts. */
const RequiredContentSchema = z.union([z.string(), contentParts], {
  error: (issue) =>
    issue.input === undefined || issue.input === null
      ? '`content` is required: a string or a non-empty array of content parts'
      : '`content` must be a string or a non-empty array of content parts',
});

/** Roles a chat message may have. */
export const MESSAGE_ROLES = ['system', 'developer', 'user', 'assistant', 'tool'] as const;

const messageFields = {
  name: z.string().optional(),
  tool_call_id: z.string().optional(),
  tool_calls: z.array(z.looseObject({})).optional(),
};

const requiredContentMessage = <Role extends 'system' | 'developer' | 'user' | 'tool'>(
  role: Role,
) => z.looseObject({ role: z.literal(role), content: RequiredContentSchema, ...messageFields });

/**
 * One chat message of a request (OpenAI shape; unknown keys are kept). Every role but
 * `assistant` needs `content` (a string or a non-empty array of parts); an assistant message may
 * have `content: null` (or none), e.g. when it carries `tool_calls`.
 */
export const ChatMessageSchema = z.discriminatedUnion(
  'role',
  [
    requiredContentMessage('system'),
    requiredContentMessage('developer'),
    requiredContentMessage('user'),
    z.looseObject({
      role: z.literal('assistant'),
      content: z
        .union([z.string(), z.array(ContentPartSchema), z.null()], {
          error: '`content` must be a string, an array of content parts, or null',
        })
        .optional(),
      ...messageFields,
    }),
    requiredContentMessage('tool'),
  ],
  { error: `\`role\` must be one of ${MESSAGE_ROLES.join(', ')}` },
);

/** One chat message of a request. */
export type ChatMessage = z.infer<typeof ChatMessageSchema>;

/** Sort orders for provider routing. */
export const PROVIDER_SORTS = ['price', 'throughput', 'latency'] as const;

const nonNegative = z.number().nonnegative();

/** OpenRouter's `provider` routing preferences. Unknown keys are accepted and ignored. */
export const ProviderPreferencesSchema = z.looseObject({
  order: z.array(z.string().min(1)).optional(),
  only: z.array(z.string().min(1)).optional(),
  ignore: z.array(z.string().min(1)).optional(),
  allow_fallbacks: z.boolean().optional(),
  require_parameters: z.boolean().optional(),
  sort: z
    .union([
      z.enum(PROVIDER_SORTS),
      z.looseObject({
        by: z.enum(PROVIDER_SORTS),
        partition: z.enum(['model', 'none']).nullable().optional(),
      }),
    ])
    .nullable()
    .optional(),
  /** USD per million tokens for prompt/completion; per request or image for the others. */
  max_price: z
    .looseObject({
      prompt: nonNegative.optional(),
      completion: nonNegative.optional(),
      request: nonNegative.optional(),
      image: nonNegative.optional(),
    })
    .optional(),
});

/** Provider routing preferences. */
export type ProviderPreferences = z.infer<typeof ProviderPreferencesSchema>;

/** `logit_bias`: token id (a decimal string) → bias from -100 to 100. */
export const LogitBiasSchema = z.record(
  z.string().regex(/^\d+$/, { error: 'keys must be token ids (decimal strings)' }),
  z
    .number({ error: (issue) => (issue.code === 'invalid_type' ? 'must be a number' : undefined) })
    .min(-100, { error: 'must be from -100 to 100' })
    .max(100, { error: 'must be from -100 to 100' }),
  {
    error: (issue) =>
      issue.code === 'invalid_type'
        ? '`logit_bias` must be an object mapping token ids to numbers'
        : undefined,
  },
);

const positiveInt = z.int({ error: 'must be an integer' }).positive({ error: 'must be ≥ 1' });

/**
 * Text kept in the record's own columns (`user`, `session_id`): PostgreSQL text cannot hold
 * U+0000, so it is refused on every store alike, before a generation id exists, rather than
 * failing the record's commit.
 */
const storableText = (value: string) => !value.includes('\u0000');
const withoutNul = (field: string) => ({
  error: `\`${field}\` must not contain the NUL character (U+0000)`,
});

/**
 * `POST /api/v1/chat/completions` request body: OpenAI's fields plus OpenRouter's additions.
 * Fields Tollgate does not interpret are kept and forwarded (except OpenRouter-only ones).
 */
export const ChatCompletionRequestSchema = z.looseObject({
  model: z.string({ error: '`model` must be a string' }).min(1, { error: '`model` is empty' }),
  messages: z
    .array(ChatMessageSchema, { error: '`messages` must be an array of messages' })
    .min(1, { error: '`messages` must contain at least one message' }),
  stream: z.boolean({ error: '`stream` must be a boolean' }).optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  max_tokens: positiveInt.nullable().optional(),
  max_completion_tokens: positiveInt.nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  frequency_penalty: z.number().min(-2).max(2).nullable().optional(),
  presence_penalty: z.number().min(-2).max(2).nullable().optional(),
  seed: z.int().nullable().optional(),
  n: z.literal(1, { error: 'only `n: 1` is supported' }).nullable().optional(),
  stop: z
    .union([z.string(), z.array(z.string()).max(4)])
    .nullable()
    .optional(),
  user: z.string().max(512).refine(storableText, withoutNul('user')).optional(),
  session_id: z
    .string()
    .max(256, { error: '`session_id` is limited to 256 characters' })
    .refine(storableText, withoutNul('session_id'))
    .optional(),
  tools: z.array(z.looseObject({ type: z.string() })).optional(),
  models: z.array(z.string().min(1)).max(16).optional(),
  provider: ProviderPreferencesSchema.nullable().optional(),
  route: z.enum(['fallback', 'sort']).nullable().optional(),
  usage: z.looseObject({ include: z.boolean().optional() }).optional(),
  logit_bias: LogitBiasSchema.nullable().optional(),
});

/** A validated chat completion request. */
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequestSchema>;

/** Request fields that belong to OpenRouter (or Tollgate) and are never sent upstream. */
export const GATEWAY_ONLY_REQUEST_FIELDS = [
  'models',
  'provider',
  'route',
  'transforms',
  'plugins',
  'usage',
  'session_id',
  'debug',
  'preset',
  'trace',
  'include_reasoning',
] as const;

/** Normalized finish reasons. */
export const FINISH_REASONS = ['stop', 'length', 'tool_calls', 'content_filter', 'error'] as const;

/** `usage` of a completion response, OpenRouter shape. */
export const CompletionUsageSchema = z.object({
  prompt_tokens: z.int(),
  completion_tokens: z.int(),
  total_tokens: z.int(),
  prompt_tokens_details: z.object({
    cached_tokens: z.int(),
    cache_write_tokens: z.int().optional(),
    audio_tokens: z.int().optional(),
  }),
  completion_tokens_details: z.object({
    reasoning_tokens: z.int(),
    image_tokens: z.int().optional(),
  }),
  cost: z.number(),
  is_byok: z.boolean(),
  cost_details: z.object({
    upstream_inference_cost: z.number().nullable(),
    upstream_inference_prompt_cost: z.number(),
    upstream_inference_completions_cost: z.number(),
  }),
  /** Tollgate: version of the prices charged (`null` when unpriced); see the generation record. */
  price_version: z.string().nullable().optional(),
  /** Tollgate: how the cost was determined. */
  cost_status: z.enum(COST_STATUSES).optional(),
});

/** `usage` of a completion response. */
export type CompletionUsage = z.infer<typeof CompletionUsageSchema>;

/** An assistant message in a non-stream response. */
export const AssistantMessageSchema = z.looseObject({
  role: z.literal('assistant'),
  content: z.string().nullable(),
  refusal: z.string().nullable().optional(),
  reasoning: z.string().nullable().optional(),
  tool_calls: z.array(z.looseObject({})).optional(),
});

/** One choice of a non-stream chat completion. */
export const ChatChoiceSchema = z.looseObject({
  index: z.int(),
  message: AssistantMessageSchema,
  finish_reason: z.string().nullable(),
  native_finish_reason: z.string().nullable(),
  logprobs: z.unknown().nullable(),
});

/** One choice of a non-stream chat completion. */
export type ChatChoice = z.infer<typeof ChatChoiceSchema>;

/** Non-stream `POST /chat/completions` response body. */
export const ChatCompletionSchema = z.object({
  id: z.string(),
  provider: z.string(),
  model: z.string(),
  object: z.literal('chat.completion'),
  created: z.int(),
  choices: z.array(ChatChoiceSchema),
  system_fingerprint: z.string().nullable(),
  service_tier: z.string().nullable().optional(),
  usage: CompletionUsageSchema,
});

/** Non-stream chat completion response body. */
export type ChatCompletion = z.infer<typeof ChatCompletionSchema>;

/** One choice of a stream chunk. */
export const ChatChunkChoiceSchema = z.looseObject({
  index: z.int(),
  delta: z.looseObject({}),
  finish_reason: z.string().nullable(),
  native_finish_reason: z.string().nullable().optional(),
  logprobs: z.unknown().nullable().optional(),
});

/** One choice of a stream chunk. */
export type ChatChunkChoice = z.infer<typeof ChatChunkChoiceSchema>;

/** One SSE `data:` payload of a streamed chat completion. */
export const ChatCompletionChunkSchema = z.object({
  id: z.string(),
  provider: z.string(),
  model: z.string(),
  object: z.literal('chat.completion.chunk'),
  created: z.int(),
  choices: z.array(ChatChunkChoiceSchema),
  system_fingerprint: z.string().optional(),
  usage: CompletionUsageSchema.optional(),
  error: z
    .object({
      code: z.int(),
      message: z.string(),
      metadata: z.looseObject({ error_type: z.string() }).optional(),
    })
    .optional(),
});

/** One streamed chunk. */
export type ChatCompletionChunk = z.infer<typeof ChatCompletionChunkSchema>;
