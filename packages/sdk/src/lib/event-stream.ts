import { type CamelCased, fromWire } from './case.js';
import { ResponseValidationError } from './errors.js';
import type { HttpResponse } from './http.js';
import { toTransportError } from './http.js';

/** Splits an SSE byte stream into the `data:` payloads of its events (comments skipped). */
export async function* parseSseData(
  body: ReadableStream<Uint8Array>,
  signal?: AbortSignal,
): AsyncGenerator<string> {
  const reader = body.getReader();
  const cancel = () => reader.cancel().catch(() => undefined);
  signal?.addEventListener('abort', cancel, { once: true });
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      // A trailing CR may be the first half of a CRLF split across reads: normalize it later.
      const held = !done && buffer.endsWith('\r') ? 1 : 0;
      buffer = `${buffer.slice(0, buffer.length - held).replace(/\r\n?/g, '\n')}${held ? '\r' : ''}`;
      let boundary = buffer.indexOf('\n\n');
      while (boundary !== -1) {
        const data = dataOf(buffer.slice(0, boundary));
        buffer = buffer.slice(boundary + 2);
        if (data !== null) yield data;
        boundary = buffer.indexOf('\n\n');
      }
      if (done) {
        const data = dataOf(buffer);
        if (data !== null) yield data;
        return;
      }
    }
  } finally {
    signal?.removeEventListener('abort', cancel);
    await cancel();
  }
}

/** The joined `data:` lines of one event, or null for an event without data. */
function dataOf(event: string): string | null {
  const lines = event
    .split('\n')
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5));
  return lines.length === 0 ? null : lines.join('\n');
}

/**
 * A streamed response: an async iterable of typed chunks (camelCase), ending at `[DONE]`.
 * Breaking out of the loop, calling {@link EventStream.abort} or aborting the call's `signal`
 * closes the connection. A mid-stream failure arrives as a chunk with `error` set.
 */
export class EventStream<Chunk> implements AsyncIterable<Chunk> {
  /** The generation id (`X-Generation-Id`), when the gateway sent one. */
  readonly generationId: string | null;
  /** Response headers. */
  readonly headers: Headers;
  readonly #http: HttpResponse;
  readonly #controller = new AbortController();
  readonly #signal: AbortSignal | undefined;
  #consumed = false;

  constructor(http: HttpResponse, signal: AbortSignal | undefined) {
    this.#http = http;
    this.#signal = signal;
    this.headers = http.response.headers;
    this.generationId = http.response.headers.get('x-generation-id');
  }

  /** Closes the stream; a running loop ends without error. */
  abort(): void {
    this.#controller.abort();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Chunk> {
    if (this.#consumed) throw new Error('An EventStream can be iterated only once');
    this.#consumed = true;
    const { response } = this.#http;
    if (response.body === null) return;
    try {
      for await (const data of parseSseData(response.body, this.#controller.signal)) {
        if (data === '[DONE]' || this.#controller.signal.aborted) return;
        yield this.#parse(data);
      }
    } catch (thrown) {
      if (this.#controller.signal.aborted) return;
      throw thrown instanceof ResponseValidationError
        ? thrown
        : toTransportError(thrown, this.#signal, false);
    } finally {
      this.#http.release();
    }
  }

  #parse(data: string): Chunk {
    try {
      return fromWire(JSON.parse(data)) as Chunk;
    } catch {
      const { status, headers } = this.#http.response;
      throw new ResponseValidationError('A stream event is not JSON', {
        status,
        body: data,
        headers,
      });
    }
  }
}

/** The stream type for a wire chunk type. */
export type StreamOf<WireChunk> = EventStream<CamelCased<WireChunk>>;
