import { EventEmitter } from 'node:events';

/**
 * A one-shot cancellation that undici takes as a request's `signal` (it accepts an AbortSignal or
 * an emitter of `abort`): `abort()` emits `abort` once, and `aborted` is true from then on. Used
 * instead of an AbortController on every metered request: in Node 20 making a controller's signal
 * costs ~3 µs (its EventTarget set-up) and undici's listener on it ~2 µs more; an emitter, ~0.1 µs.
 */
export class CancelSignal extends EventEmitter<{ abort: [] }> {
  #aborted = false;

  /** Whether {@link CancelSignal.abort} was called. */
  get aborted(): boolean {
    return this.#aborted;
  }

  /** Cancels; the `abort` listeners run now, the first time only. */
  abort(): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.emit('abort');
  }
}
