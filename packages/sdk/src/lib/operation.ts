import type { RequestOptions, TollgateCore } from '../core.js';
import type { CamelCased } from './case.js';
import type { SdkError } from './errors.js';
import { EventStream } from './event-stream.js';
import { type HttpRequest, sendRequest } from './http.js';
import { readJson } from './read-json.js';
import type { Result } from './result.js';

/** Runs a JSON operation: send with retries, then read and convert the body. */
export async function jsonOperation<Wire>(
  core: TollgateCore,
  request: HttpRequest,
  options: RequestOptions | undefined,
  requiredKey?: string,
): Promise<Result<CamelCased<Wire>, SdkError>> {
  const sent = await sendRequest(core, request, options);
  if (!sent.ok) return sent;
  return readJson<Wire>(sent.value, options?.signal, requiredKey);
}

/** Runs a streaming operation: send with retries, then hand the body to an {@link EventStream}. */
export async function streamOperation<Chunk>(
  core: TollgateCore,
  request: HttpRequest,
  options: RequestOptions | undefined,
): Promise<Result<EventStream<Chunk>, SdkError>> {
  const sent = await sendRequest(core, { ...request, stream: true }, options);
  if (!sent.ok) return sent;
  return { ok: true, value: new EventStream<Chunk>(sent.value, options?.signal) };
}

/** Encodes one path segment. */
export function segment(value: string): string {
  return encodeURIComponent(value);
}
