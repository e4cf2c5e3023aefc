import { z } from 'zod';

/**
 * OpenAI's `usage` object (only the fields Tollgate reads; extra keys ignored). Stream events are
 * checked by its hand-written twin, `isOpenAIUsage` (to-native-usage.ts): change both together.
 */
export const OpenAIUsageSchema = z.looseObject({
  prompt_tokens: z.int().nonnegative().optional(),
  completion_tokens: z.int().nonnegative().optional(),
  prompt_tokens_details: z
    .looseObject({
      cached_tokens: z.int().nonnegative().nullish(),
      cache_write_tokens: z.int().nonnegative().nullish(),
      audio_tokens: z.int().nonnegative().nullish(),
    })
    .nullish(),
  completion_tokens_details: z
    .looseObject({
      reasoning_tokens: z.int().nonnegative().nullish(),
      image_tokens: z.int().nonnegative().nullish(),
    })
    .nullish(),
  cost: z.number().nullish(),
});

/** A non-stream chat completion from an OpenAI-compatible upstream. */
export const OpenAIChatCompletionSchema = z.looseObject({
  id: z.string().nullish(),
  choices: z.array(
    z.looseObject({
      index: z.int().nonnegative().optional(),
      message: z.looseObject({ content: z.string().nullish() }).nullish(),
      finish_reason: z.string().nullish(),
      logprobs: z.unknown().optional(),
    }),
  ),
  usage: OpenAIUsageSchema.nullish(),
  system_fingerprint: z.string().nullish(),
  service_tier: z.string().nullish(),
});

/** OpenAI's error body. */
export const OpenAIErrorSchema = z.looseObject({
  error: z.looseObject({ message: z.string() }),
});

/** One choice of a legacy text completion (`/completions`), non-stream or stream. */
const OpenAITextChoiceSchema = z.looseObject({
  index: z.int().nonnegative().optional(),
  text: z.string().nullish(),
  finish_reason: z.string().nullish(),
  logprobs: z.unknown().optional(),
});

/** A non-stream legacy text completion from an OpenAI-compatible upstream. */
export const OpenAITextCompletionSchema = OpenAIChatCompletionSchema.extend({
  choices: z.array(OpenAITextChoiceSchema),
});

/** An embeddings list (`/embeddings`); each vector is floats, or base64 of float32. */
export const OpenAIEmbeddingsSchema = z.looseObject({
  id: z.string().nullish(),
  data: z.array(
    z.looseObject({
      index: z.int().nonnegative().optional(),
      embedding: z.union([z.array(z.number()), z.string()]),
    }),
  ),
  usage: OpenAIUsageSchema.nullish(),
});
