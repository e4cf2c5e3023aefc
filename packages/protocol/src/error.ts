import { z } from 'zod';

/** OpenRouter's error envelope: `{"error":{"code":<int>,"message":"…","metadata":{…}|null}}`. */
export const ErrorEnvelopeSchema = z.object({
  error: z.object({
    code: z.int(),
    message: z.string(),
    metadata: z.record(z.string(), z.unknown()).nullable(),
  }),
  user_id: z.string().nullable().optional(),
});

/** The error envelope as sent on the wire. */
export type ErrorEnvelope = z.infer<typeof ErrorEnvelopeSchema>;

/** Values of `error.metadata.error_type` on mid-stream errors (an open set on the client side). */
export const STREAM_ERROR_TYPES = [
  'context_length_exceeded',
  'payment_required',
  'rate_limit_exceeded',
  'provider_overloaded',
  'provider_unavailable',
  'invalid_request',
  'server',
  'timeout',
  'unmapped',
] as const;

/** One of {@link STREAM_ERROR_TYPES}. */
export type StreamErrorType = (typeof STREAM_ERROR_TYPES)[number];
