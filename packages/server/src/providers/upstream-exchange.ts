import { type Dispatcher, errors } from 'undici';
import type { CancelSignal } from './cancel-signal.js';
import { toTransportError } from './to-transport-error.js';

/**
 * An upstream body, read once: whole (`json()`, `text()`) or as Buffer chunks (async iteration,
 * which pauses the upstream socket while more than 64 KiB waits unread). Errors of the transport
 * after the headers (a reset, the body timeout) and an abort reject the read in progress.
 */
export interface UpstreamBody extends AsyncIterable<Buffer> {
  /** The whole body parsed as JSON (a SyntaxError when it is not JSON). */
  json(): Promise<unknown>;
  /** The whole body as UTF-8 text. */
  text(): Promise<string>;
  /** Aborts the request (undici closes its socket) unless the body has already ended. */
  destroy(): void;
  /** Bytes received and not yet read. */
  readonly buffered: number;
  /** Whether the upstream socket is paused because the reader lags. */
  readonly paused: boolean;
}

/** An upstream's answer: status, headers (lower-case names; repeated ones as arrays), body. */
export interface UpstreamResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: UpstreamBody;
}

/** Unread bytes past which the socket is paused, as for undici's own bodies. */
const HIGH_WATER_MARK = 64 * 1024;
const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };
const EMPTY = Buffer.alloc(0);

/** UTF-8 text of a body, without a leading byte order mark (as undici's `text()`/`json()`). */
function decode(buffer: Buffer): string {
  const bom = buffer.length > 2 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf;
  return buffer.toString('utf8', bom ? 3 : 0);
}

/**
 * One upstream request, as undici's dispatch handler, and its response body: a plain queue of
 * Buffers with one pending read at a time — no Readable stream, emitter or consume state per
 * response (docs/decisions/0043-upstream-dispatch.md). The promise of {@link UpstreamClient.send}
 * settles on the headers (or on the error that came instead); an abort of `signal` aborts the
 * request wherever it is.
 */
export class UpstreamExchange implements Dispatcher.DispatchHandler, UpstreamBody {
  readonly #signal: CancelSignal;
  readonly #providerName: string;
  #resolveResponse: ((response: UpstreamResponse) => void) | null;
  #rejectResponse: ((error: unknown) => void) | null;
  #controller: Dispatcher.DispatchController | null = null;
  #chunks: Buffer[] = [];
  #bytes = 0;
  #ended = false;
  #error: Error | null = null;
  #used = false;
  /** Reading the whole body: the socket is never paused. */
  #whole = false;
  #resolveRead: ((result: IteratorResult<Buffer> | Buffer) => void) | null = null;
  #rejectRead: ((error: Error) => void) | null = null;
  readonly #onAbort = (): void => {
    this.#controller?.abort(new errors.RequestAbortedError());
  };

  constructor(
    signal: CancelSignal,
    providerName: string,
    resolve: (response: UpstreamResponse) => void,
    reject: (error: unknown) => void,
  ) {
    this.#signal = signal;
    this.#providerName = providerName;
    this.#resolveResponse = resolve;
    this.#rejectResponse = reject;
    // An abort before the request reaches a socket takes effect in onRequestStart.
    if (!signal.aborted) signal.on('abort', this.#onAbort);
  }

  get buffered(): number {
    return this.#bytes;
  }

  get paused(): boolean {
    return this.#controller?.paused === true;
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#signal.aborted) controller.abort(new errors.RequestAbortedError());
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    // 1xx informational answers are not the response.
    if (statusCode < 200) return;
    const resolve = this.#resolveResponse;
    this.#resolveResponse = null;
    this.#rejectResponse = null;
    resolve?.({ statusCode, headers, body: this });
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const resolve = this.#resolveRead;
    if (resolve !== null && !this.#whole) {
      this.#resolveRead = null;
      this.#rejectRead = null;
      resolve({ done: false, value: chunk });
      return;
    }
    this.#chunks.push(chunk);
    this.#bytes += chunk.length;
    if (!this.#whole && this.#bytes >= HIGH_WATER_MARK) controller.pause();
  }

  onResponseEnd(): void {
    this.#ended = true;
    this.#signal.off('abort', this.#onAbort);
    const resolve = this.#resolveRead;
    if (resolve === null) return;
    this.#resolveRead = null;
    this.#rejectRead = null;
    resolve(this.#whole ? this.#takeAll() : DONE);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.#signal.off('abort', this.#onAbort);
    const rejectResponse = this.#rejectResponse;
    if (rejectResponse !== null) {
      // No answer came: a transport failure or timeout, unless the caller aborted.
      this.#resolveResponse = null;
      this.#rejectResponse = null;
      rejectResponse(this.#signal.aborted ? error : toTransportError(error, this.#providerName));
      return;
    }
    if (this.#ended) return;
    // As a destroyed stream: what was buffered is dropped, the error is what the reader sees next.
    this.#error = error;
    this.#chunks = [];
    this.#bytes = 0;
    const reject = this.#rejectRead;
    if (reject === null) return;
    this.#resolveRead = null;
    this.#rejectRead = null;
    reject(error);
  }

  async json(): Promise<unknown> {
    return JSON.parse(decode(await this.#readWhole()));
  }

  async text(): Promise<string> {
    return decode(await this.#readWhole());
  }

  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    this.#use();
    return this;
  }

  next(): Promise<IteratorResult<Buffer>> {
    if (this.#error !== null) return Promise.reject(this.#error);
    const chunk = this.#chunks.shift();
    if (chunk !== undefined) {
      this.#bytes -= chunk.length;
      // May deliver more data (or the end) synchronously: it lands in the queue.
      if (this.#bytes < HIGH_WATER_MARK) this.#controller?.resume();
      return Promise.resolve({ done: false, value: chunk });
    }
    if (this.#ended) return Promise.resolve(DONE);
    return new Promise<IteratorResult<Buffer> | Buffer>((resolve, reject) => {
      this.#resolveRead = resolve;
      this.#rejectRead = reject;
    }) as Promise<IteratorResult<Buffer>>;
  }

  /** Leaving an iteration early (`break`, or a reader that stops) destroys the body. */
  return(): Promise<IteratorResult<Buffer>> {
    this.destroy();
    return Promise.resolve(DONE);
  }

  destroy(): void {
    this.#signal.off('abort', this.#onAbort);
    if (this.#ended || this.#error !== null) {
      this.#chunks = [];
      this.#bytes = 0;
      return;
    }
    // undici reports the abort through onResponseError, which rejects a read in progress.
    this.#controller?.abort(new errors.RequestAbortedError());
  }

  #use(): void {
    if (this.#used) throw new TypeError('Upstream body already read');
    this.#used = true;
  }

  #readWhole(): Promise<Buffer> {
    this.#use();
    this.#whole = true;
    if (this.#error !== null) return Promise.reject(this.#error);
    if (this.#ended) return Promise.resolve(this.#takeAll());
    const whole = new Promise<IteratorResult<Buffer> | Buffer>((resolve, reject) => {
      this.#resolveRead = resolve;
      this.#rejectRead = reject;
    }) as Promise<Buffer>;
    // Paused while nobody read: may end the body synchronously, which settles `whole`.
    this.#controller?.resume();
    return whole;
  }

  #takeAll(): Buffer {
    const chunks = this.#chunks;
    const buffer =
      chunks.length === 1
        ? (chunks[0] as Buffer)
        : chunks.length === 0
          ? EMPTY
          : Buffer.concat(chunks, this.#bytes);
    this.#chunks = [];
    this.#bytes = 0;
    return buffer;
  }
}
