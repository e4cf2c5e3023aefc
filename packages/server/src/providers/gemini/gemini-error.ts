import { UpstreamError } from '../../errors/gateway-error.js';
import { mapUpstreamStatus } from '../map-upstream-status.js';
import type { AdapterSettings } from '../provider-adapter.js';
import { parseJson } from '../upstream-response.js';
import { type GeminiErrorObject, GeminiErrorSchema } from './gemini-api-types.js';

/** Google's error object in a body: `{error}`, or `[{error}]` as stream endpoints answer. */
export function parseGeminiError(json: unknown): GeminiErrorObject | undefined {
  const candidate = Array.isArray(json) ? json[0] : json;
  const parsed = GeminiErrorSchema.safeParse(candidate);
  return parsed.success ? parsed.data.error : undefined;
}

function detailsOfType(error: GeminiErrorObject, type: string): Array<Record<string, unknown>> {
  return (error.details ?? []).filter((detail) => detail['@type']?.endsWith(type) === true);
}

/** A rejected API key is a 400 `INVALID_ARGUMENT` at Google; for the gateway it is auth (401). */
function effectiveStatus(status: number, error: GeminiErrorObject | undefined): number {
  if (error === undefined) return status;
  const invalidKey = detailsOfType(error, 'google.rpc.ErrorInfo').some(
    (detail) => detail['reason'] === 'API_KEY_INVALID',
  );
  return invalidKey ? 401 : status;
}

/** `RetryInfo.retryDelay` (e.g. `"37s"`) as a `retry-after` header, when no header says so. */
function withRetryAfter(
  headers: Record<string, string | string[] | undefined>,
  error: GeminiErrorObject | undefined,
): Record<string, string | string[] | undefined> {
  if (error === undefined || headers['retry-after'] !== undefined) return headers;
  const delay = detailsOfType(error, 'google.rpc.RetryInfo')[0]?.['retryDelay'];
  const seconds = typeof delay === 'string' ? /^(\d+(?:\.\d+)?)s$/.exec(delay)?.[1] : undefined;
  if (seconds === undefined) return headers;
  return { ...headers, 'retry-after': String(Math.ceil(Number(seconds))) };
}

/** Maps a Gemini HTTP error (`{error: {code, message, status}}`) to an UpstreamError. */
export function toGeminiUpstreamError(
  status: number,
  bodyText: string,
  headers: Record<string, string | string[] | undefined>,
  settings: AdapterSettings,
): UpstreamError {
  const error = parseGeminiError(parseJson(bodyText));
  const message = error?.message ?? 'Provider returned error';
  return mapUpstreamStatus(
    effectiveStatus(status, error),
    message,
    settings.providerName,
    bodyText,
    withRetryAfter(headers, error),
  );
}

/**
 * Maps an error that arrived inside a 200 stream. Never retryable: output may already have
 * reached the client, so another endpoint must not start the answer over.
 */
export function toGeminiStreamError(
  error: GeminiErrorObject,
  settings: AdapterSettings,
): UpstreamError {
  const mapped = mapUpstreamStatus(
    error.code ?? 500,
    error.message,
    settings.providerName,
    error,
    {},
  );
  return new UpstreamError(
    mapped.kind,
    mapped.message,
    { provider_name: settings.providerName, raw: error, upstream_status: error.code ?? null },
    { retryable: false },
  );
}
