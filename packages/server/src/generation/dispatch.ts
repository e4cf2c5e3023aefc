import { GatewayError, type UpstreamError } from '../errors/gateway-error.js';
import type { GenerationMeter } from '../ledger/generation-meter.js';
import type { CancelSignal } from '../providers/cancel-signal.js';
import type { UpstreamCall } from '../providers/provider-adapter.js';
import { redactProviderKey } from '../providers/redact-provider-key.js';
import type { UpstreamResponse } from '../providers/upstream-exchange.js';
import type { EndpointStats } from '../routing/endpoint-stats.js';
import type { ModelEndpoint } from '../routing/model-catalog.js';
import type { Candidate, RoutePlan } from '../routing/select-candidates.js';

/** Reads an upstream error body (bounded) and turns it into the adapter's UpstreamError. */
export async function readUpstreamError(
  endpoint: ModelEndpoint,
  response: UpstreamResponse,
): Promise<UpstreamError> {
  let text = '';
  try {
    text = (await response.body.text()).slice(0, 64 * 1024);
  } catch {
    // A body that fails to arrive still leaves the status to report.
  }
  const { adapter, settings } = endpoint.provider;
  // The error goes to the client and into stored content: the provider key is cut out first.
  return markByok(
    adapter.toUpstreamError(
      response.statusCode,
      redactProviderKey(text, settings),
      response.headers,
      settings,
    ),
    endpoint,
  );
}

/** Says in an upstream error's metadata whether the key owner's own credential was used. */
function markByok<Error>(error: Error, endpoint: ModelEndpoint): Error {
  if (GatewayError.is(error) && error.metadata !== undefined) {
    error.metadata['is_byok'] = endpoint.byok !== null;
  }
  return error;
}

/** The error used internally when the client disconnected (nobody is left to see it). */
export function clientGone(): GatewayError {
  return new GatewayError('request_timeout', 'Client closed the request');
}

/** Records a generation that produced nothing (upstream error or client gone), then rethrows. */
export async function recordFailure(
  meter: GenerationMeter,
  candidate: Candidate,
  error: unknown,
  cancelled: boolean,
): Promise<never> {
  await meter.finish({
    model: candidate.model.id,
    endpoint: candidate.endpoint,
    upstreamId: null,
    finishReason: cancelled ? null : 'error',
    nativeFinishReason: null,
    usage: null,
    completionText: '',
    cancelled,
    serviceTier: null,
    // An error names the provider it came from (UpstreamError); one that does not is the gateway's.
    failure: cancelled ? undefined : { error, providerName: null },
  });
  throw error;
}

const isRetryable = (error: unknown): boolean =>
  typeof error === 'object' &&
  error !== null &&
  (error as { retryable?: unknown }).retryable === true;

/** A response that came back with headers and a success status, and who sent it. */
export interface Dispatched {
  response: UpstreamResponse;
  candidate: Candidate;
}

/**
 * Tries the plan's candidates in order until one answers with a success status. A retryable
 * failure (transport error, timeout, 408, 429, 5xx, 529) moves on to the next candidate when
 * fallbacks are allowed — always before any byte has reached the client. Every attempt is kept in
 * `provider_responses`; when all fail, the last failure is recorded and thrown, with the earlier
 * ones in `metadata.previous_errors`.
 */
export async function dispatchWithFallback(
  meter: GenerationMeter,
  plan: RoutePlan,
  buildCall: (candidate: Candidate) => UpstreamCall,
  signal: CancelSignal,
  stats: EndpointStats,
): Promise<Dispatched> {
  const previous: Array<{ provider: string; status: number | null; message: string }> = [];
  let lastError: unknown = null;
  let lastCandidate = plan.candidates[0] as Candidate;
  for (const candidate of plan.candidates) {
    lastCandidate = candidate;
    const { endpoint } = candidate;
    let call: UpstreamCall;
    try {
      call = buildCall(candidate);
    } catch (error) {
      // The request cannot be expressed for this upstream (a client error): no attempt was made.
      lastError = error;
      break;
    }
    meter.dispatched();
    let response: UpstreamResponse;
    try {
      response = await endpoint.provider.client.send(call, signal);
    } catch (error) {
      meter.attempted(candidate, null, null);
      if (signal.aborted) return recordFailure(meter, candidate, clientGone(), true);
      stats.recordFailure(endpoint.id);
      lastError = markByok(error, endpoint);
      meter.attemptFailed(candidate, null, lastError);
      previous.push({
        provider: endpoint.provider.name,
        status: null,
        message: String((error as Error).message),
      });
      if (isRetryable(error) && plan.allowFallbacks) continue;
      break;
    }
    meter.attempted(candidate, response.statusCode, null);
    if (response.statusCode < 400) return { response, candidate };
    const error = await readUpstreamError(endpoint, response);
    stats.recordFailure(endpoint.id);
    meter.attemptFailed(candidate, response.statusCode, error);
    lastError = error;
    previous.push({
      provider: endpoint.provider.name,
      status: response.statusCode,
      message: error.message,
    });
    if (error.retryable && plan.allowFallbacks) continue;
    break;
  }
  if (previous.length > 1 && GatewayError.is(lastError) && lastError.metadata !== undefined) {
    lastError.metadata['previous_errors'] = previous.slice(0, -1);
  }
  return recordFailure(meter, lastCandidate, lastError, false);
}
