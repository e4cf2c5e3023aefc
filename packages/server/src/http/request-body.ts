import { GatewayError } from '../errors/gateway-error.js';
import { findExcessiveNesting, MAX_JSON_DEPTH, pathAtOffset } from './json-nesting.js';

/** Largest accepted request body in bytes unless configured (`AppOptions.bodyLimit`). */
export const DEFAULT_BODY_LIMIT = 10 * 1024 * 1024;

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A body over the limit (413), declared by its Content-Length or found while reading it. */
export function bodyTooLarge(): GatewayError {
  return new GatewayError('payload_too_large', 'Request body is too large');
}

/** A body whose length is not its Content-Length (400). */
export function contentLengthMismatch(): GatewayError {
  return new GatewayError('invalid_request', 'Content-Length does not match the body');
}

function tooDeeplyNested(path: string): GatewayError {
  const shown = path.length > 160 ? `${path.slice(0, 160)}…` : path;
  return new GatewayError(
    'invalid_request',
    `Request body is nested deeper than ${MAX_JSON_DEPTH} levels at ${shown === '' ? 'the top level' : shown}`,
    { metadata: { max_depth: MAX_JSON_DEPTH, path: shown } },
  );
}

/**
 * A whole request body read as JSON, whatever its Content-Type (curl's `-d` sends
 * form-urlencoded by default): undefined when blank, else the parsed value. Throws a 400 that
 * says what is wrong: bytes that are not UTF-8, nesting too deep, or where the JSON broke. Both
 * HTTP paths parse with it: Fastify's body parser (app.ts) and the metered lane
 * (routes/metered-lane.ts).
 */
export function parseJsonBody(bytes: Uint8Array): unknown {
  let text: string;
  try {
    // Fatal decoding: bytes that are not UTF-8 are refused, never silently replaced by U+FFFD.
    text = UTF8.decode(bytes);
  } catch {
    throw new GatewayError('invalid_request', 'Request body is not valid UTF-8');
  }
  if (text.trim() === '') return undefined;
  // Refused before parsing: a body nested thousands deep parses, then overflows the stack of
  // every recursive walk after it (JSON.stringify upstream, the cost bound).
  const tooDeepAt = findExcessiveNesting(text, MAX_JSON_DEPTH);
  if (tooDeepAt !== -1) throw tooDeeplyNested(pathAtOffset(text, tooDeepAt));
  try {
    return JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new GatewayError('invalid_request', `Malformed JSON in request body: ${detail}`);
  }
}
