import { DEFAULT_RETRY_CONFIG, type RetryConfig } from './lib/retries.js';

/** Where Tollgate listens when neither `serverURL` nor `TOLLGATE_BASE_URL` says otherwise. */
export const DEFAULT_SERVER_URL = 'http://localhost:8080/api/v1';

/** The default client-side timeout per attempt: 10 minutes (long generations take a while). */
export const DEFAULT_TIMEOUT_MS = 600_000;

/** How to reach a Tollgate gateway. */
export interface TollgateOptions {
  /**
   * Bearer key (`sk-tg-…`), or a function returning one per request. Default:
   * `TOLLGATE_API_KEY` from the environment.
   */
  apiKey?: string | (() => string | Promise<string>);
  /** Base URL including `/api/v1`. Default: `TOLLGATE_BASE_URL`, else {@link DEFAULT_SERVER_URL}. */
  serverURL?: string;
  /** How failed requests are retried; see `RetryConfig`. Default: 3 attempts within 30 s. */
  retryConfig?: RetryConfig;
  /** Client-side timeout per attempt, in ms (until the body is read; streams: until headers). */
  timeoutMs?: number;
  /** The fetch implementation (default: the global one). */
  fetch?: typeof fetch;
  /** Headers sent with every request (e.g. `HTTP-Referer`, `X-Title`). */
  headers?: Record<string, string>;
}

/** Options of one call, overriding the client's. */
export interface RequestOptions {
  /** Retry rules for this call, e.g. `{ strategy: 'none' }`. */
  retries?: RetryConfig;
  /** Client-side timeout for this call, in ms. */
  timeoutMs?: number;
  /** Aborts the call (and an open stream). */
  signal?: AbortSignal;
  /** Extra headers for this call. */
  headers?: Record<string, string>;
  /** Other `fetch` options (everything but method, body and signal). */
  fetchOptions?: Omit<RequestInit, 'method' | 'body' | 'signal'>;
}

/** Settled client configuration. */
export interface ResolvedOptions {
  apiKey: string | (() => string | Promise<string>) | undefined;
  serverURL: string;
  retryConfig: RetryConfig;
  timeoutMs: number;
  fetch: typeof fetch;
  headers: Record<string, string>;
}

/** Reads an environment variable where there is an environment (Node), else undefined. */
function environment(name: string): string | undefined {
  const process = (globalThis as { process?: { env?: Record<string, string | undefined> } })
    .process;
  const value = process?.env?.[name];
  return value === undefined || value === '' ? undefined : value;
}

/**
 * The minimal client the standalone functions take: configuration only, no resources, so an
 * app importing one function bundles just that function.
 *
 * @example
 * const core = new TollgateCore({ apiKey: process.env['TOLLGATE_API_KEY'] ?? '' });
 * const result = await generationsGetGeneration(core, { id: 'gen-…' });
 */
export class TollgateCore {
  /** The settled configuration. */
  readonly options: ResolvedOptions;

  constructor(options: TollgateOptions = {}) {
    const serverURL = options.serverURL ?? environment('TOLLGATE_BASE_URL') ?? DEFAULT_SERVER_URL;
    this.options = {
      apiKey: options.apiKey ?? environment('TOLLGATE_API_KEY'),
      serverURL: serverURL.replace(/\/+$/, ''),
      retryConfig: options.retryConfig ?? DEFAULT_RETRY_CONFIG,
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
      headers: options.headers ?? {},
    };
  }
}
