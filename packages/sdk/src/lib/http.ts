import type { RequestOptions, TollgateCore } from '../core.js';
import {
  ConnectionError,
  createApiError,
  RequestAbortedError,
  RequestTimeoutError,
  type SdkError,
} from './errors.js';
import type { Result } from './result.js';
import { backoffDelay, isRetryableStatus, serverRetryDelay, toRetryPlan } from './retries.js';

/** One HTTP call an operation makes. */
export interface HttpRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Path below the server URL, already encoded, e.g. `/generation`. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** JSON body, already in wire form. */
  body?: unknown;
  /** Whether repeating the call is harmless (default: GET and PATCH). */
  idempotent?: boolean;
  /** Keep the timeout off the body: the caller reads a stream. */
  stream?: boolean;
}

/** A successful HTTP exchange: the response, with its body unread. */
export interface HttpResponse {
  response: Response;
  /** Clears the per-attempt timeout and the abort link (call when the body is done). */
  release(): void;
}

/** Codes meaning nothing reached the server, so even a POST may be resent. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === 'string') return code;
  if (Array.isArray(errors) && errors.length > 0) return errorCode(errors[0]);
  return cause === undefined ? undefined : errorCode(cause);
}

function buildUrl(core: TollgateCore, request: HttpRequest): string {
  const url = new URL(`${core.options.serverURL}${request.path}`);
  for (const [name, value] of Object.entries(request.query ?? {})) {
    if (value !== undefined) url.searchParams.set(name, String(value));
  }
  return url.toString();
}

async function buildHeaders(core: TollgateCore, request: HttpRequest, options: RequestOptions) {
  const headers = new Headers(options.fetchOptions?.headers);
  for (const [name, value] of Object.entries(core.options.headers)) headers.set(name, value);
  for (const [name, value] of Object.entries(options.headers ?? {})) headers.set(name, value);
  const { apiKey } = core.options;
  const key = typeof apiKey === 'function' ? await apiKey() : apiKey;
  if (key !== undefined && !headers.has('authorization')) {
    headers.set('authorization', `Bearer ${key}`);
  }
  if (request.body !== undefined) headers.set('content-type', 'application/json');
  headers.set('accept', request.stream ? 'text/event-stream' : 'application/json');
  return headers;
}

/** Links the caller's signal and the timeout into one per-attempt signal. */
function attemptSignal(timeoutMs: number, callerSignal: AbortSignal | undefined) {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new RequestTimeoutError(`Request timed out after ${timeoutMs} ms`));
  }, timeoutMs);
  const onAbort = () => controller.abort(new RequestAbortedError('Request aborted by the caller'));
  if (callerSignal?.aborted) onAbort();
  else callerSignal?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    clearTimeout: () => clearTimeout(timer),
    release: () => {
      clearTimeout(timer);
      callerSignal?.removeEventListener('abort', onAbort);
    },
  };
}

/** Maps a thrown fetch or body-read failure to the SDK's error. */
export function toTransportError(
  error: unknown,
  callerSignal: AbortSignal | undefined,
  timedOut: boolean,
): SdkError {
  if (callerSignal?.aborted) return new RequestAbortedError('Request aborted by the caller');
  if (timedOut) return new RequestTimeoutError('Request timed out', { cause: error });
  if (error instanceof RequestAbortedError || error instanceof RequestTimeoutError) return error;
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  return new ConnectionError(`Connection failed${code ? ` (${code})` : ''}: ${message}`, {
    cause: error,
    notSent: code !== undefined && NOT_SENT_CODES.has(code),
  });
}

function wait(milliseconds: number, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, milliseconds);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** What one attempt produced: a response to hand on, or an error with its retry verdict. */
type Attempt =
  | { ok: true; value: HttpResponse }
  | { ok: false; error: SdkError; retryable: boolean; serverDelay: number | null };

async function attemptOnce(
  core: TollgateCore,
  request: HttpRequest,
  options: RequestOptions,
  idempotent: boolean,
  retryConnectionErrors: boolean,
): Promise<Attempt> {
  const timing = attemptSignal(options.timeoutMs ?? core.options.timeoutMs, options.signal);
  let response: Response;
  try {
    response = await core.options.fetch(buildUrl(core, request), {
      ...options.fetchOptions,
      method: request.method,
      headers: await buildHeaders(core, request, options),
      ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
      signal: timing.signal,
    });
  } catch (thrown) {
    timing.release();
    const error = toTransportError(thrown, options.signal, timing.timedOut());
    const retryable =
      retryConnectionErrors &&
      ((error instanceof ConnectionError && (idempotent || error.notSent)) ||
        (error instanceof RequestTimeoutError && idempotent));
    return { ok: false, error, retryable, serverDelay: null };
  }
  if (request.stream && response.ok) timing.clearTimeout();
  if (response.ok) return { ok: true, value: { response, release: timing.release } };
  let body: string;
  try {
    body = await response.text();
  } catch (thrown) {
    const error = toTransportError(thrown, options.signal, timing.timedOut());
    timing.release();
    return { ok: false, error, retryable: false, serverDelay: null };
  }
  timing.release();
  return {
    ok: false,
    error: createApiError(response.status, body, response.headers),
    retryable: isRetryableStatus(response.status, response.headers, idempotent),
    serverDelay: serverRetryDelay(response.headers, Date.now()),
  };
}

/**
 * Sends a request with the retry rules of `retries.ts`. Never throws: transport and HTTP
 * failures come back as the error of the Result.
 */
export async function sendRequest(
  core: TollgateCore,
  request: HttpRequest,
  options: RequestOptions = {},
): Promise<Result<HttpResponse, SdkError>> {
  const plan = toRetryPlan(options.retries ?? core.options.retryConfig);
  const idempotent = request.idempotent ?? (request.method === 'GET' || request.method === 'PATCH');
  const startedAt = Date.now();
  for (let attempt = 1; ; attempt += 1) {
    const outcome = await attemptOnce(
      core,
      request,
      options,
      idempotent,
      plan.retryConnectionErrors,
    );
    if (outcome.ok) return outcome;
    const delay = outcome.serverDelay ?? backoffDelay(plan, attempt, Math.random);
    const elapsed = Date.now() - startedAt;
    const canRetry =
      outcome.retryable && attempt < plan.maxAttempts && elapsed + delay <= plan.maxElapsedTime;
    if (!canRetry || !(await wait(delay, options.signal))) {
      return { ok: false, error: outcome.error };
    }
  }
}
