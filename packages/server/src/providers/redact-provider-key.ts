import { GatewayError } from '../errors/gateway-error.js';
import type { AdapterSettings } from './provider-adapter.js';

/** What a provider key is replaced with wherever an upstream quotes it. */
export const REDACTED = '[redacted]';

/** Keys shorter than this are left alone: they could match ordinary text of the error. */
const MIN_KEY_LENGTH = 8;

type KeySettings = Pick<AdapterSettings, 'apiKey'>;

/** The key to cut out, or null when there is none worth cutting. */
function keyOf(settings: KeySettings): string | null {
  const key = settings.apiKey;
  return key === undefined || key.length < MIN_KEY_LENGTH ? null : key;
}

/**
 * `text` with the provider's API key cut out. An upstream may quote the credential it was sent
 * ("Incorrect API key provided: …"), and what it says of an error reaches the client and stored
 * content: every upstream error text passes through here first (an HTTP error body before it is
 * read, a stream's error event through {@link redactUpstreamError}). Error paths only.
 */
export function redactProviderKey(text: string, settings: KeySettings): string {
  const key = keyOf(settings);
  return key === null ? text : text.replaceAll(key, REDACTED);
}

/**
 * A value parsed from an upstream's JSON (a string, or an object such as a stream's `error`) with
 * the provider key cut out of it, as {@link redactProviderKey} cuts it out of the text. Unchanged
 * (the same value) when the key does not occur in it.
 */
export function redactProviderKeyIn(value: unknown, settings: KeySettings): unknown {
  const key = keyOf(settings);
  if (key === null || value === null || value === undefined) return value;
  if (typeof value === 'string') return value.replaceAll(key, REDACTED);
  if (typeof value !== 'object') return value;
  const text = JSON.stringify(value);
  // The key as it appears inside a JSON string (escaped, should it hold a quote or a backslash).
  const quoted = JSON.stringify(key).slice(1, -1);
  if (typeof text !== 'string' || !text.includes(quoted)) return value;
  return JSON.parse(text.replaceAll(quoted, REDACTED)) as unknown;
}

/**
 * An error built from what an upstream sent inside a 200 — a stream's error event, a body that is
 * not a completion — with the provider key cut out of its message and metadata (`raw` included),
 * as {@link redactProviderKey} cuts it out of an HTTP error body before the adapter reads it.
 * Anything but a GatewayError carries no upstream text and is returned as it is.
 */
export function redactUpstreamError<Failure>(error: Failure, settings: KeySettings): Failure {
  if (!GatewayError.is(error) || keyOf(settings) === null) return error;
  error.message = redactProviderKey(error.message, settings);
  // V8 builds the stack text from the message when first read; one already built is cut too.
  if (typeof error.stack === 'string') error.stack = redactProviderKey(error.stack, settings);
  const metadata = error.metadata;
  if (metadata !== undefined) {
    for (const [name, value] of Object.entries(metadata)) {
      metadata[name] = redactProviderKeyIn(value, settings);
    }
  }
  return error;
}

/**
 * The `error` a choice that finished with `error` carries (OpenRouter's `choices[].error`), or
 * null, with the provider key cut out of it — in the choice itself too, which the client is sent
 * as it is. Error paths only (a choice whose finish_reason is `error`).
 */
export function redactChoiceError(choice: { error?: unknown }, settings: KeySettings): unknown {
  const error = choice.error;
  if (error === undefined || error === null) return null;
  const redacted = redactProviderKeyIn(error, settings);
  if (redacted !== error) choice.error = redacted;
  return redacted;
}
