import { UpstreamError } from '../errors/gateway-error.js';

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** Maps a transport failure (no HTTP answer) to a retryable UpstreamError. */
export function toTransportError(error: unknown, providerName: string): UpstreamError {
  const code = (error as { code?: unknown }).code;
  const detail = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string' && TIMEOUT_CODES.has(code)) {
    return new UpstreamError(
      'upstream_timeout',
      'Request timed out. Please try again later.',
      { provider_name: providerName, raw: detail, upstream_status: null },
      { retryable: true, cause: error },
    );
  }
  return new UpstreamError(
    'upstream_error',
    `Provider unreachable: ${detail}`,
    { provider_name: providerName, raw: typeof code === 'string' ? code : detail },
    { retryable: true, cause: error },
  );
}
