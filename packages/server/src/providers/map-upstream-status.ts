import { UpstreamError } from '../errors/gateway-error.js';

/** Headers of an upstream error worth passing on to the client. */
function passedHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string> | undefined {
  const retryAfter = headers['retry-after'];
  return typeof retryAfter === 'string' ? { 'retry-after': retryAfter } : undefined;
}

/**
 * Maps an upstream HTTP error status to the gateway's error: the client's own mistakes keep their
 * status (400, 413, 422), rate limits stay 429, overload is 529, timeouts 524, the rest 502.
 * Retryable = worth trying another endpoint (408, 429, 5xx, 529).
 */
export function mapUpstreamStatus(
  status: number,
  message: string,
  providerName: string,
  raw: unknown,
  headers: Record<string, string | string[] | undefined>,
): UpstreamError {
  const metadata = { provider_name: providerName, raw, upstream_status: status };
  const options = (retryable: boolean) => ({ retryable, headers: passedHeaders(headers) });
  if (status === 408)
    return new UpstreamError('upstream_timeout', message, metadata, options(true));
  if (status === 429) return new UpstreamError('rate_limited', message, metadata, options(true));
  if (status === 503 || status === 529) {
    return new UpstreamError('provider_overloaded', message, metadata, options(true));
  }
  if (status >= 500) return new UpstreamError('upstream_error', message, metadata, options(true));
  if (status === 400)
    return new UpstreamError('invalid_request', message, metadata, options(false));
  if (status === 413) {
    return new UpstreamError('payload_too_large', message, metadata, options(false));
  }
  if (status === 422) return new UpstreamError('unprocessable', message, metadata, options(false));
  return new UpstreamError('upstream_error', message, metadata, options(false));
}
