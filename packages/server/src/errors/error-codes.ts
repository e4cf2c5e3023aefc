import { ERROR_STATUS, type ErrorKind } from '@tollgate/protocol';

// The table itself lives in @tollgate/protocol, shared with the SDK's status → class map.
export { ERROR_STATUS, type ErrorKind };

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
