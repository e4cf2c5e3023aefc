import { z } from 'zod';
import { ChatCompletionRequestSchema } from './chat.js';
import { COST_STATUSES } from './pricing.js';

/** Most inputs one embeddings request may carry (OpenAI's limit). */
export const MAX_EMBEDDING_INPUTS = 2048;

/** How embedding vectors are encoded: number arrays, or base64 of little-endian float32. */
export const EMBEDDING_ENCODINGS = ['float', 'base64'] as const;

/** One embedding vector: numbers, or base64 of little-endian float32 values. */
export type EmbeddingVector = number[] | string;

const tokenIds = z.array(z.int().nonnegative());

/**
 * `input` of an embeddings request: a text, texts, token ids, or arrays of token ids. Never empty,
 * no empty text or token array, at most {@link MAX_EMBEDDING_INPUTS} items.
 */
export const EmbeddingsInputSchema = z
  .union([z.string(), z.array(z.string()), tokenIds, z.array(tokenIds)], {
    error: (issue) =>
      issue.input === undefined
        ? '`input` is required'
        : '`input` must be a string, an array of strings, an array of token ids or an array of token-id arrays',
  })
  .superRefine((input, context) => {
    if (input.length === 0) {
      context.addIssue({ code: 'custom', message: '`input` must not be empty' });
      return;
    }
    if (typeof input === 'string') return;
    if (input.length > MAX_EMBEDDING_INPUTS) {
      context.addIssue({
        code: 'custom',
        message: `\`input\` has ${input.length} items; at most ${MAX_EMBEDDING_INPUTS} are allowed`,
      });
      return;
    }
    const emptyAt = input.findIndex(
      (item: string | number | number[]) => typeof item !== 'number' && item.length === 0,
    );
    if (emptyAt !== -1) {
      context.addIssue({ code: 'custom', path: [emptyAt], message: 'an input must not be empty' });
    }
  });

/** What can be embedded in one request. */
export type EmbeddingsInput = z.infer<typeof EmbeddingsInputSchema>;

/**
 * `POST /api/v1/embeddings` request body (OpenRouter's). Unknown fields are kept and forwarded;
 * `stream` is ignored, as OpenRouter does. Multimodal inputs are not supported.
 */
export const EmbeddingsRequestSchema = z.looseObject({
  ...ChatCompletionRequestSchema.pick({
    model: true,
    models: true,
    provider: true,
    user: true,
    session_id: true,
  }).shape,
  input: EmbeddingsInputSchema,
  encoding_format: z
    .enum(EMBEDDING_ENCODINGS, { error: '`encoding_format` must be "float" or "base64"' })
    .optional(),
  dimensions: z
    .int({ error: '`dimensions` must be an integer' })
    .positive({ error: '`dimensions` must be ≥ 1' })
    .optional(),
  input_type: z.string().optional(),
});

/** A validated embeddings request. */
export type EmbeddingsRequest = z.infer<typeof EmbeddingsRequestSchema>;

/** One embedding of the response. */
export const EmbeddingSchema = z.object({
  object: z.literal('embedding'),
  embedding: z.union([z.array(z.number()), z.string()]),
  index: z.int(),
});

/** One embedding of the response. */
export type Embedding = z.infer<typeof EmbeddingSchema>;

/** `usage` of an embeddings response: prompt tokens only; `cost` in USD. */
export const EmbeddingsUsageSchema = z.object({
  prompt_tokens: z.int(),
  total_tokens: z.int(),
  cost: z.number(),
  /** Tollgate: version of the prices charged (`null` when unpriced); see the generation record. */
  price_version: z.string().nullable().optional(),
  /** Tollgate: how the cost was determined. */
  cost_status: z.enum(COST_STATUSES).optional(),
});

/** `usage` of an embeddings response. */
export type EmbeddingsUsage = z.infer<typeof EmbeddingsUsageSchema>;

/** `POST /api/v1/embeddings` response body. */
export const EmbeddingsResponseSchema = z.object({
  id: z.string(),
  object: z.literal('list'),
  data: z.array(EmbeddingSchema),
  model: z.string(),
  provider: z.string(),
  usage: EmbeddingsUsageSchema,
});

/** Embeddings response body. */
export type EmbeddingsResponse = z.infer<typeof EmbeddingsResponseSchema>;
