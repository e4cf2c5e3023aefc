import { UpstreamError } from '../errors/gateway-error.js';
import type { AdapterSettings } from './provider-adapter.js';

/** Parses JSON, or returns undefined (upstream bodies are not trusted to be JSON). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** An UpstreamError for a 2xx body that is not what the provider documents (worth another try). */
export function invalidUpstreamResponse(
  settings: AdapterSettings,
  detail: string,
  raw: unknown,
): UpstreamError {
  return new UpstreamError(
    'upstream_error',
    `Provider returned an invalid response: ${detail}`,
    { provider_name: settings.providerName, raw },
    { retryable: true },
  );
}
