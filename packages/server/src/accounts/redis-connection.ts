import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import type { RedisSettings } from '../config/settings.js';
import { GatewayError } from '../errors/gateway-error.js';

/**
 * How the rate limiter behaves while Redis cannot be reached (credit checks always refuse):
 * `closed` answers 503; `open` lets requests through uncounted.
 */
export type RedisFailureMode = RedisSettings['failure'];

/** Options of {@link openRedis}. */
export interface RedisConnectionOptions {
  /** Called on every command or connection failure (metrics, logs); never sees a secret. */
  onError?: (error: Error) => void;
  /** Per-command timeout; a Redis that stops answering fails requests instead of hanging them. */
  commandTimeoutMs?: number;
}

/** One shared ioredis client, failing fast while disconnected. */
export interface RedisConnection {
  readonly client: Redis;
  readonly keyPrefix: string;
  readonly failure: RedisFailureMode;
  /** Whether the client is connected and answered its ready check. */
  isReady(): boolean;
  /** Round trip to Redis (`/ready`); rejects when it is unreachable. */
  ping(): Promise<void>;
  /** Reports a failure of a command to `onError`. */
  reportError(error: unknown): void;
  close(): Promise<void>;
}

/**
 * Connects to Redis without blocking startup: while it is unreachable, commands reject at once
 * (no offline queue) and the client keeps reconnecting in the background.
 */
export async function openRedis(
  settings: RedisSettings,
  options: RedisConnectionOptions = {},
): Promise<RedisConnection> {
  const client = new Redis(settings.url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // Replies as strings: pico-USD sums pass 2^53 and must stay exact.
    stringNumbers: true,
    connectTimeout: 2_000,
    commandTimeout: options.commandTimeoutMs ?? 2_000,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2_000),
  });
  const reportError = (error: unknown) => {
    options.onError?.(error instanceof Error ? error : new Error(String(error)));
  };
  // ioredis emits `error` on every failed (re)connection; unhandled, it would crash the process.
  client.on('error', reportError);
  await client.connect().catch(() => undefined);
  return {
    client,
    keyPrefix: settings.keyPrefix,
    failure: settings.failure,
    isReady: () => client.status === 'ready',
    async ping() {
      await client.ping();
    },
    reportError,
    async close() {
      client.disconnect();
    },
  };
}

/** The 503 answered when Redis, which holds shared limits, cannot be reached. */
export function redisUnavailable(what: string, cause: unknown): GatewayError {
  return new GatewayError(
    'no_provider_available',
    `${what} is temporarily unavailable (the shared limit store cannot be reached); retry shortly`,
    { headers: { 'retry-after': '1' }, metadata: { reason: 'limit_store_unavailable' }, cause },
  );
}

/** A Lua script run by its SHA-1 (EVALSHA), loaded on first use or after a Redis restart. */
export class RedisScript {
  readonly #source: string;
  readonly #sha: string;

  constructor(source: string) {
    this.#source = source;
    this.#sha = createHash('sha1').update(source).digest('hex');
  }

  /** Runs the script atomically with `keys` and `args`. */
  async run(client: Redis, keys: readonly string[], args: readonly string[]): Promise<unknown> {
    try {
      return await client.evalsha(this.#sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return client.eval(this.#source, keys.length, ...keys, ...args);
    }
  }
}
