import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Caller } from '../accounts/api-keys.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { GatewayContext } from '../gateway-context.js';
import { authorize } from './authorize.js';

/** Limits of {@link Admission}. */
export interface AdmissionLimits {
  /** Inference requests served at once (config `max_concurrent_requests`). */
  maxConcurrent: number;
  /** Inference requests that may wait for a slot (config `max_queue`); beyond it, 503. */
  maxQueue: number;
}

/** Defaults that never refuse a fresh install at normal load (see docs/decisions/0012). */
export const DEFAULT_ADMISSION_LIMITS: AdmissionLimits = { maxConcurrent: 1024, maxQueue: 4096 };

/** Seconds a refused client is told to wait (`Retry-After`). */
const RETRY_AFTER_SECONDS = 1;

/** The routes admission control guards: those that hold an upstream request. */
export const ADMITTED_ROUTES: ReadonlySet<string> = new Set([
  '/api/v1/chat/completions',
  '/api/v1/completions',
  '/api/v1/embeddings',
]);

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

  constructor(limits: AdmissionLimits = DEFAULT_ADMISSION_LIMITS) {
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

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller authenticated from the headers before the body was read (inference routes). */
    caller: Caller | null;
  }
}

/**
 * Guards the inference routes, hooked onto those routes alone when they are registered (no
 * per-request route check). From the headers alone, before the body is read, the key is
 * authenticated and rate-limited: a request without a valid key is answered 401 at once and never
 * waits for a slot (its connection is closed when its body is still unread). Once the whole body
 * has arrived — a slow body is bounded by `http.request_timeout_ms`, not by a slot — the request
 * takes a slot (or waits, or is refused with 503); the slot is released when its response closes.
 */
export function installAdmission(app: FastifyInstance, context: GatewayContext): void {
  const { admission } = context;
  app.decorateRequest('caller', null);
  // Callback-style hooks: Fastify runs them without an async function's promise per request.
  const authenticateFirst = (
    request: FastifyRequest,
    reply: FastifyReply,
    done: (error?: Error) => void,
  ) => {
    authorize(context, request).then(
      (caller) => {
        request.caller = caller;
        done();
      },
      (error: Error) => {
        if (!request.raw.complete) reply.header('connection', 'close');
        done(error);
      },
    );
  };
  const takeSlot = (
    _request: FastifyRequest,
    reply: FastifyReply,
    done: (error?: Error) => void,
  ) => {
    const raw = reply.raw;
    // A free slot is taken at once: no signal, no listener but the release (the common case).
    const release = admission.tryAdmit();
    if (release !== null) {
      holdUntilClosed(raw, release);
      done();
      return;
    }
    const gone = new AbortController();
    const onClose = () => gone.abort();
    raw.once('close', onClose);
    admission.admit(gone.signal).then(
      (queuedRelease) => {
        raw.off('close', onClose);
        holdUntilClosed(raw, queuedRelease);
        done();
      },
      (error: Error) => {
        raw.off('close', onClose);
        done(error);
      },
    );
  };
  app.addHook('onRoute', (route) => {
    if (!ADMITTED_ROUTES.has(route.url)) return;
    route.onRequest = [...hooksOf(route.onRequest), authenticateFirst];
    route.preHandler = [...hooksOf(route.preHandler), takeSlot];
  });
}

/** Releases a slot when its response closes (at once if it already has). */
function holdUntilClosed(raw: ServerResponse, release: () => void): void {
  if (raw.closed) release();
  // `release` runs once however often it is called, so no `once` wrapper is needed.
  else raw.on('close', release);
}

function hooksOf<Hook>(hooks: Hook | Hook[] | undefined): Hook[] {
  if (hooks === undefined) return [];
  return Array.isArray(hooks) ? hooks : [hooks];
}
