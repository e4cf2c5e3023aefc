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

/**
 * The single table of error kinds and their HTTP statuses (`error.code` equals the status): the
 * gateway answers with these, and the SDK maps each status to its error class.
 */
export const ERROR_STATUS = {
  invalid_request: 400,
  unauthenticated: 401,
  insufficient_credits: 402,
  forbidden: 403,
  not_found: 404,
  request_timeout: 408,
  conflict: 409,
  gone: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  expectation_failed: 417,
  unprocessable: 422,
  rate_limited: 429,
  internal: 500,
  upstream_error: 502,
  no_provider_available: 503,
  upstream_timeout: 524,
  provider_overloaded: 529,
} as const satisfies Record<string, number>;

/** A kind of error the gateway can answer with. */
export type ErrorKind = keyof typeof ERROR_STATUS;

/** An HTTP status the gateway answers errors with. */
export type ErrorStatus = (typeof ERROR_STATUS)[ErrorKind];

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
