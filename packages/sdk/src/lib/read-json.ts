import { type CamelCased, fromWire } from './case.js';
import { ResponseValidationError, type SdkError } from './errors.js';
import type { HttpResponse } from './http.js';
import { toTransportError } from './http.js';
import type { Result } from './result.js';

/**
 * Reads a 2xx JSON body and converts it to the camelCase model. The body is checked for shape
 * only (a JSON object, with `requiredKey` when given), not against zod: the types come from the
 * protocol's schemas at compile time, the gateway's own tests hold the wire to those schemas, and
 * leaving zod out keeps a one-function bundle small. Unknown extra fields are kept.
 */
export async function readJson<Wire>(
  http: HttpResponse,
  signal: AbortSignal | undefined,
  requiredKey?: string,
): Promise<Result<CamelCased<Wire>, SdkError>> {
  const { response } = http;
  let text: string;
  try {
    text = await response.text();
  } catch (thrown) {
    return { ok: false, error: toTransportError(thrown, signal, false) };
  } finally {
    http.release();
  }
  const details = { status: response.status, body: text, headers: response.headers };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    const error = new ResponseValidationError('Response body is not JSON', details);
    return { ok: false, error };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { ok: false, error: new ResponseValidationError('Response is not an object', details) };
  }
  if (requiredKey !== undefined && !(requiredKey in parsed)) {
    const message = `Response has no \`${requiredKey}\``;
    return { ok: false, error: new ResponseValidationError(message, details) };
  }
  return { ok: true, value: fromWire(parsed as Wire) };
}
