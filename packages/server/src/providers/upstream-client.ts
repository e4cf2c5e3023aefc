import { type Dispatcher, Pool } from 'undici';
import { UpstreamError } from '../errors/gateway-error.js';
import type { CancelSignal } from './cancel-signal.js';
import type { UpstreamCall } from './provider-adapter.js';

/** Options of an {@link UpstreamClient}. */
export interface UpstreamClientOptions {
  providerName: string;
  baseUrl: string;
  timeoutMs: number;
  /** Most sockets kept open to this upstream (config `max_connections`, default 1024). */
  connections?: number;
}

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** Maps a transport failure (no HTTP answer) to a retryable UpstreamError. */
export function toTransportError(error: unknown, providerName: string): UpstreamError {
  const code = (error as { code?: unknown }).code;
  const detail = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string' && TIMEOUT_CODES.has(code)) {
    return new UpstreamError(
      'upstream_timeout',
      'Request timed out. Please try again later.',
      { provider_name: providerName, raw: detail, upstream_status: null },
      { retryable: true, cause: error },
    );
  }
  return new UpstreamError(
    'upstream_error',
    `Provider unreachable: ${detail}`,
    { provider_name: providerName, raw: typeof code === 'string' ? code : detail },
    { retryable: true, cause: error },
  );
}

/** A keep-alive connection pool to one upstream base URL (undici). */
export class UpstreamClient {
  readonly #pool: Pool;
  readonly #basePath: string;
  readonly #options: UpstreamClientOptions;

  constructor(options: UpstreamClientOptions) {
    const url = new URL(options.baseUrl);
    this.#basePath = url.pathname.replace(/\/+$/, '');
    this.#options = options;
    this.#pool = new Pool(url.origin, {
      connections: options.connections ?? 1024,
      keepAliveTimeout: 30_000,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      connectTimeout: Math.min(options.timeoutMs, 10_000),
    });
  }

  /** Sends a POST upstream; transport failures become UpstreamErrors, aborts propagate. */
  async send(call: UpstreamCall, signal: CancelSignal): Promise<Dispatcher.ResponseData> {
    try {
      return await this.#pool.request({
        method: 'POST',
        path: `${this.#basePath}${call.path}`,
        headers: call.headers,
        body: call.body,
        signal,
      });
    } catch (error) {
      if (signal.aborted) throw error;
      throw toTransportError(error, this.#options.providerName);
    }
  }

  /** Closes idle sockets and waits for in-flight requests. */
  close(): Promise<void> {
    return this.#pool.close();
  }

  /** Destroys every socket at once. */
  destroy(): Promise<void> {
    return this.#pool.destroy();
  }
}
