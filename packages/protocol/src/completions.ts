import { z } from 'zod';
import {
  ChatCompletionChunkSchema,
  ChatCompletionRequestSchema,
  CompletionUsageSchema,
} from './chat.js';

/** `prompt` of a legacy completion request: a text, or texts (one completion each). */
export const TextCompletionPromptSchema = z
  .union([z.string(), z.array(z.string())], {
    error: (issue) =>
      issue.input === undefined
        ? '`prompt` is required'
        : '`prompt` must be a string or an array of strings',
  })
  .refine((prompt) => prompt.length > 0, { error: '`prompt` must not be empty' });

/**
 * Legacy `POST /api/v1/completions` request body: chat's sampling and routing fields, with
 * `prompt` for `messages`. Fields Tollgate does not interpret are kept and forwarded (except
 * OpenRouter-only ones); `n` and `best_of` above 1 are not supported.
 */
export const TextCompletionRequestSchema = z.looseObject({
  ...ChatCompletionRequestSchema.pick({
    model: true,
    stream: true,
    stream_options: true,
    max_tokens: true,
    temperature: true,
    top_p: true,
    frequency_penalty: true,
    presence_penalty: true,
    seed: true,
    n: true,
    stop: true,
    user: true,
    session_id: true,
    models: true,
    provider: true,
    route: true,
    usage: true,
    logit_bias: true,
  }).shape,
  prompt: TextCompletionPromptSchema,
  best_of: z.literal(1, { error: 'only `best_of: 1` is supported' }).nullable().optional(),
  logprobs: z.int().min(0).max(5).nullable().optional(),
  echo: z.boolean().nullable().optional(),
  suffix: z.string().nullable().optional(),
});

/** A validated legacy completion request. */
export type TextCompletionRequest = z.infer<typeof TextCompletionRequestSchema>;

/** One choice of a non-stream legacy completion. */
export const TextCompletionChoiceSchema = z.looseObject({
  index: z.int(),
  text: z.string(),
  finish_reason: z.string().nullable(),
  native_finish_reason: z.string().nullable(),
  logprobs: z.unknown().nullable(),
});

/** One choice of a non-stream legacy completion. */
export type TextCompletionChoice = z.infer<typeof TextCompletionChoiceSchema>;

/** Non-stream `POST /completions` response body. */
export const TextCompletionSchema = z.object({
  id: z.string(),
  object: z.literal('text_completion'),
  created: z.int(),
  model: z.string(),
  provider: z.string(),
  system_fingerprint: z.string().nullable(),
  choices: z.array(TextCompletionChoiceSchema),
  usage: CompletionUsageSchema,
});

/** Non-stream legacy completion response body. */
export type TextCompletion = z.infer<typeof TextCompletionSchema>;

/** One choice of a legacy completion stream chunk. */
export const TextCompletionChunkChoiceSchema = TextCompletionChoiceSchema.extend({
  native_finish_reason: z.string().nullable().optional(),
  logprobs: z.unknown().nullable().optional(),
});

/** One choice of a legacy completion stream chunk. */
export type TextCompletionChunkChoice = z.infer<typeof TextCompletionChunkChoiceSchema>;

/** One SSE `data:` payload of a streamed legacy completion (the last one carries `usage`). */
export const TextCompletionChunkSchema = z.object({
  id: z.string(),
  object: z.literal('text_completion'),
  created: z.int(),
  model: z.string(),
  provider: z.string(),
  choices: z.array(TextCompletionChunkChoiceSchema),
  system_fingerprint: z.string().optional(),
  usage: CompletionUsageSchema.optional(),
  error: ChatCompletionChunkSchema.shape.error,
});

/** One streamed legacy completion chunk. */
export type TextCompletionChunk = z.infer<typeof TextCompletionChunkSchema>;
