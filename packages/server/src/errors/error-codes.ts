/** The single table of error kinds and their HTTP statuses (`error.code` equals the status). */
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

/** `metadata.error_type` for each kind, used on mid-stream errors. */
export const STREAM_ERROR_TYPE: Record<ErrorKind, string> = {
  invalid_request: 'invalid_request',
  unauthenticated: 'authentication',
  insufficient_credits: 'payment_required',
  forbidden: 'permission_denied',
  not_found: 'not_found',
  request_timeout: 'timeout',
  conflict: 'precondition_failed',
  gone: 'gone',
  payload_too_large: 'payload_too_large',
  unsupported_media_type: 'invalid_request',
  expectation_failed: 'invalid_request',
  unprocessable: 'unprocessable',
  rate_limited: 'rate_limit_exceeded',
  internal: 'server',
  upstream_error: 'provider_unavailable',
  no_provider_available: 'provider_unavailable',
  upstream_timeout: 'timeout',
  provider_overloaded: 'provider_overloaded',
};
