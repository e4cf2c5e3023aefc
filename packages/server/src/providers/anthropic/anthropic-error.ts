import { UpstreamError } from '../../errors/gateway-error.js';
import { mapUpstreamStatus } from '../map-upstream-status.js';
import type { AdapterSettings } from '../provider-adapter.js';
import { parseJson } from '../upstream-response.js';
import { AnthropicErrorSchema } from './anthropic-api-types.js';

/**
 * The HTTP status Anthropic documents for each `error.type`; used for errors that arrive inside a
 * 200 stream, where there is no status to go by.
 */
const ANTHROPIC_ERROR_STATUS: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

/** Maps an Anthropic HTTP error (`{type:'error', error:{type, message}}`) to an UpstreamError. */
export function toAnthropicUpstreamError(
  status: number,
  bodyText: string,
  headers: Record<string, string | string[] | undefined>,
  settings: AdapterSettings,
): UpstreamError {
  const parsed = AnthropicErrorSchema.safeParse(parseJson(bodyText));
  const message = parsed.success ? parsed.data.error.message : 'Provider returned error';
  return mapUpstreamStatus(status, message, settings.providerName, bodyText, headers);
}

/**
 * Maps a stream `error` event to an UpstreamError. Never retryable: output may already have
 * reached the client, so another endpoint must not start the answer over.
 */
export function toAnthropicStreamError(
  error: { type: string; message: string },
  settings: AdapterSettings,
): UpstreamError {
  const status = ANTHROPIC_ERROR_STATUS[error.type] ?? 500;
  const mapped = mapUpstreamStatus(status, error.message, settings.providerName, { error }, {});
  return new UpstreamError(
    mapped.kind,
    mapped.message,
    { provider_name: settings.providerName, raw: { error }, upstream_status: status },
    { retryable: false },
  );
}
