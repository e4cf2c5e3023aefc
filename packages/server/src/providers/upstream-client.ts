import { Pool } from 'undici';
import type { CancelSignal } from './cancel-signal.js';
import type { UpstreamCall } from './provider-adapter.js';
import { toTransportError } from './to-transport-error.js';
import { UpstreamExchange, type UpstreamResponse } from './upstream-exchange.js';

/** Options of an {@link UpstreamClient}. */
export interface UpstreamClientOptions {
  providerName: string;
  baseUrl: string;
  timeoutMs: number;
  /** Most sockets kept open to this upstream (config `max_connections`, default 1024). */
  connections?: number;
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

  /**
   * Sends a POST upstream and settles on the response's headers. Transport failures and timeouts
   * become UpstreamErrors; after an abort of `signal`, undici's error is thrown as it is.
   */
  send(call: UpstreamCall, signal: CancelSignal): Promise<UpstreamResponse> {
    const { providerName } = this.#options;
    return new Promise((resolve, reject) => {
      const exchange = new UpstreamExchange(signal, providerName, resolve, reject);
      try {
        this.#pool.dispatch(
          {
            method: 'POST',
            path: `${this.#basePath}${call.path}`,
            headers: call.headers,
            body: call.body,
          },
          exchange,
        );
      } catch (error) {
        reject(signal.aborted ? error : toTransportError(error, providerName));
      }
    });
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
