import type { GenerationContentError } from '@tollgate/protocol';
import { type GatewayError, UpstreamError } from '../errors/gateway-error.js';
import { toGatewayError } from '../errors/to-error-response.js';

/** An upstream attempt that failed, as the meter keeps it for stored content. */
export interface FailedAttempt {
  error: unknown;
  /** The HTTP status the attempt returned; null when none came back (unreachable, timed out). */
  status: number | null;
  providerName: string;
}

/** The error a failed generation returned to its client. */
export interface ReturnedFailure {
  error: unknown;
  /**
   * The provider being talked to when it failed, for an error that names none itself (a stream
   * cut short); null when the gateway itself failed the request.
   */
  providerName: string | null;
  /**
   * The status the client was given when it is not the error's own: for a generation the upstream
   * ended with finish_reason `error`, the `code` its choice's `error` carried, else null (the
   * client got a 200 and no error code). Absent: the error's status.
   */
  status?: number | null | undefined;
}

/**
 * The failure of a generation that ended normally but with finish_reason `error` (no error event,
 * nothing thrown): what the upstream said of it in the choice's `error` (OpenRouter's
 * `choices[].error: {code, message, metadata}`, the provider key already cut out), else a message
 * naming the native finish reason. Only ever built on that path.
 */
export function finishReasonFailure(
  choiceError: unknown,
  nativeFinishReason: string | null,
  providerName: string,
): ReturnedFailure {
  const detail =
    typeof choiceError === 'object' && choiceError !== null
      ? (choiceError as { message?: unknown; code?: unknown })
      : {};
  const native =
    nativeFinishReason === null || nativeFinishReason === 'error'
      ? ''
      : ` (native_finish_reason "${nativeFinishReason}")`;
  const message =
    typeof detail.message === 'string' && detail.message !== ''
      ? detail.message
      : `The provider ended the generation with finish_reason "error"${native}`;
  const error = new UpstreamError(
    'upstream_error',
    message,
    { provider_name: providerName, raw: choiceError },
    { retryable: false },
  );
  const code = detail.code;
  return { error, providerName, status: Number.isSafeInteger(code) ? (code as number) : null };
}

/** The most of a raw upstream error body stored with the content (UTF-8 bytes). */
export const RAW_LIMIT_BYTES = 4096;

/** `text` cut to at most `limit` UTF-8 bytes, never inside a character. */
export function truncateUtf8(text: string, limit: number): string {
  // Every UTF-16 unit is at most 3 bytes: a text this short cannot be over.
  if (text.length * 3 <= limit) return text;
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= limit) return text;
  let end = limit;
  // Back off continuation bytes (10xxxxxx) to the start of the character that would be cut.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  return bytes.subarray(0, end).toString('utf8');
}

/** The upstream body an error carries in `metadata.raw` (text as is, else JSON), bounded. */
function rawOf(error: GatewayError): string | null {
  const raw = error.metadata?.['raw'];
  if (raw === undefined || raw === null) return null;
  const text = typeof raw === 'string' ? raw : JSON.stringify(raw);
  return typeof text === 'string' ? truncateUtf8(text, RAW_LIMIT_BYTES) : null;
}

function providerOf(error: GatewayError): string | null {
  const name = error.metadata?.['provider_name'];
  return typeof name === 'string' ? name : null;
}

/**
 * The stored `error` of a failed generation: the message and status its client received (the
 * same {@link toGatewayError} the response was built from, so an internal error stays masked),
 * and every failed attempt before it, in order.
 */
export function toContentError(
  returned: ReturnedFailure,
  attempts: readonly FailedAttempt[],
): GenerationContentError {
  const error = toGatewayError(returned.error);
  const previous: GenerationContentError['previous_errors'] = [];
  for (const attempt of attempts) {
    // The last attempt's failure is usually the returned error itself, not one before it.
    if (attempt.error === returned.error) continue;
    const attemptError = toGatewayError(attempt.error);
    previous.push({
      code: attempt.status ?? attemptError.status,
      message: attemptError.message,
      provider_name: attempt.providerName,
      raw: rawOf(attemptError),
    });
  }
  return {
    message: error.message,
    status: returned.status === undefined ? error.status : returned.status,
    provider_name: providerOf(error) ?? returned.providerName,
    raw: rawOf(error),
    previous_errors: previous,
  };
}
