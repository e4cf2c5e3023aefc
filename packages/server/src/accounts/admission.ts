import { DEFAULTS } from '../config/defaults.js';
import type { AdmissionLimits } from '../config/settings.js';
import { GatewayError } from '../errors/gateway-error.js';

/** Seconds a refused client is told to wait (`Retry-After`). */
const RETRY_AFTER_SECONDS = 1;

/** Requests being served and waiting. */
export interface AdmissionState {
  active: number;
  queued: number;
}

/**
 * Bounded admission: at most `maxConcurrent` inference requests run, at most `maxQueue` wait in
 * arrival order, and the rest are refused at once with 503 + `Retry-After` — so an overload
 * costs a refusal, never memory without bound or a collapse of everyone's latency.
 */
export class Admission {
  readonly limits: AdmissionLimits;
  #active = 0;
  readonly #queue: Array<() => void> = [];
  readonly #listeners = new Set<(state: AdmissionState) => void>();

  constructor(limits: AdmissionLimits = DEFAULTS.admission) {
    this.limits = limits;
  }

  /** Current counts. */
  get state(): AdmissionState {
    return { active: this.#active, queued: this.#queue.length };
  }

  /** Calls `listener` after every change of the counts; returns the unsubscribe function. */
  onChange(listener: (state: AdmissionState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * A release function when a slot is free now, else null: the fast path, which needs no
   * cancellation signal since nothing waits (see {@link admit}).
   */
  tryAdmit(): (() => void) | null {
    if (this.#active >= this.limits.maxConcurrent) return null;
    this.#active += 1;
    this.#changed();
    return this.#releaser();
  }

  /**
   * Resolves with a release function once the request may run; throws the 503 when the queue is
   * full. `gone` (the client disconnecting) takes a waiting request out of the queue.
   */
  async admit(gone: AbortSignal): Promise<() => void> {
    const release = this.tryAdmit();
    if (release !== null) return release;
    if (this.#queue.length >= this.limits.maxQueue) throw this.#overloaded();
    await new Promise<void>((resolve, reject) => {
      const start = () => {
        gone.removeEventListener('abort', leave);
        resolve();
      };
      const leave = () => {
        const index = this.#queue.indexOf(start);
        if (index >= 0) this.#queue.splice(index, 1);
        this.#changed();
        reject(new GatewayError('request_timeout', 'Client closed the request while queued'));
      };
      this.#queue.push(start);
      gone.addEventListener('abort', leave, { once: true });
      this.#changed();
    });
    return this.#releaser();
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#queue.shift();
      // The slot passes straight to the next waiter: `active` only drops when nobody waits.
      if (next === undefined) this.#active -= 1;
      else next();
      this.#changed();
    };
  }

  #overloaded(): GatewayError {
    const { maxConcurrent, maxQueue } = this.limits;
    return new GatewayError(
      'no_provider_available',
      `Tollgate is overloaded: ${maxConcurrent} requests in progress and ${maxQueue} waiting (max_concurrent_requests, max_queue). Retry after ${RETRY_AFTER_SECONDS} s.`,
      { headers: { 'retry-after': String(RETRY_AFTER_SECONDS) } },
    );
  }

  #changed(): void {
    if (this.#listeners.size === 0) return;
    const state = this.state;
    for (const listener of this.#listeners) listener(state);
  }
}
