import type { ErrorKind } from '../errors/error-codes.js';

/** How the reference describes each error kind: a response title and an example message. */
export const ERROR_RESPONSE_TEXT: Record<ErrorKind, { title: string; message: string }> = {
  invalid_request: {
    title: 'Bad Request - a field is missing, of the wrong type or out of range',
    message:
      'Invalid request body: messages[0].role: `role` must be one of system, developer, user, assistant, tool',
  },
  unauthenticated: {
    title: 'Unauthorized - no key, an unknown key, or a disabled or expired one',
    message: 'Missing Authentication header',
  },
  insufficient_credits: {
    title: "Payment Required - the request's maximum cost exceeds the key's limit or the credit",
    message: 'This request requires more credits, or fewer max_tokens.',
  },
  forbidden: {
    title: 'Forbidden - a management key is required',
    message: 'Only management keys can perform this operation',
  },
  not_found: {
    title: 'Not Found',
    message: 'Generation gen-1795334608-kXDIlIzLhMLZvUEBoLyw not found',
  },
  request_timeout: { title: 'Request Timeout', message: 'The client closed the request' },
  conflict: {
    title: 'Conflict - the last enabled management key cannot be disabled or deleted',
    message: 'Cannot disable the last enabled management key: create another one first',
  },
  gone: {
    title: 'Gone - the endpoint was retired',
    message:
      'Coinbase payments are no longer supported; operators add credit with POST /api/v1/credits',
  },
  payload_too_large: {
    title: 'Payload Too Large - the body exceeds the body limit',
    message: 'Request body is too large',
  },
  unsupported_media_type: { title: 'Unsupported Media Type', message: 'Unsupported media type' },
  expectation_failed: {
    title: 'Expectation Failed - an Expect header other than 100-continue',
    message: 'Unsupported Expect header "200-ok" (only 100-continue is supported)',
  },
  unprocessable: {
    title: 'Unprocessable Entity - the upstream could not process the request',
    message: 'The upstream could not process the request',
  },
  rate_limited: {
    title: 'Too Many Requests - the key or the upstream is rate-limited (see Retry-After)',
    message: 'Rate limit exceeded',
  },
  internal: {
    title: 'Internal Server Error - a fault inside Tollgate (logged with the request id)',
    message: 'Internal Server Error',
  },
  upstream_error: {
    title: 'Bad Gateway - the upstream failed, was unreachable or answered invalidly',
    message: 'Upstream error from Acme: 500 Internal Server Error',
  },
  no_provider_available: {
    title:
      'Service Unavailable - the gateway is at its concurrency and queue limits, or shares limits through a Redis it cannot reach (see Retry-After)',
    message:
      'Tollgate is overloaded: 1024 requests in progress and 4096 waiting (max_concurrent_requests, max_queue). Retry after 1 s.',
  },
  upstream_timeout: {
    title: "Timeout - the upstream did not answer within the provider's timeout_ms",
    message: 'Upstream Acme timed out after 120000 ms',
  },
  provider_overloaded: {
    title: 'Provider Overloaded - the upstream said it is overloaded',
    message: 'Acme is overloaded',
  },
};
