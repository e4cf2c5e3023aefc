import type { Logger } from 'pino';
import type { RedisSettings } from '../config/settings.js';
import type { Storage } from '../storage/storage.js';
import { MemoryRateLimiter, type RateLimiter } from './rate-limiter.js';
import { openRedis, type RedisConnection } from './redis-connection.js';
import { RedisRateLimiter } from './redis-rate-limiter.js';
import { RedisSpendGuard } from './redis-spend-guard.js';
import { type SpendControl, SpendGuard } from './spend-guard.js';

/** What {@link createLimits} needs. */
export interface LimitsOptions {
  storage: Storage;
  /** Redis shared by every node (`REDIS_URL`, `redis_url`), or null: limits in this process. */
  redis: RedisSettings | null;
  logger: Logger;
  now: () => number;
  /** Called on every Redis failure (metrics). */
  onRedisError?: () => void;
}

/** The request-rate limiter and credit control of a node, and the Redis they share (or null). */
export interface Limits {
  rateLimiter: RateLimiter;
  spendGuard: SpendControl & { refreshCredits(): Promise<void> };
  redis: RedisConnection | null;
  close(): Promise<void>;
}

/**
 * With `REDIS_URL` (or `redis_url`): limits shared by every node through Redis. Without it: the
 * single-node, in-memory limiter and guard.
 */
export async function createLimits(options: LimitsOptions): Promise<Limits> {
  const { storage, logger, now } = options;
  const settings = options.redis;
  if (settings === null) {
    return {
      rateLimiter: new MemoryRateLimiter(),
      spendGuard: new SpendGuard(storage, { now }),
      redis: null,
      close: async () => undefined,
    };
  }
  let lastLogged = 0;
  const redis = await openRedis(settings, {
    onError: (error) => {
      options.onRedisError?.();
      // One line per 10 s at most: a Redis outage must not flood the logs. Messages name the
      // failure (ECONNREFUSED, timeout), never the URL, which may carry a password.
      if (now() - lastLogged < 10_000) return;
      lastLogged = now();
      logger.warn(
        { redis_error: error.message.replace(/rediss?:\/\/\S+/g, '[redis url]') },
        'redis error',
      );
    },
  });
  const spendGuard = new RedisSpendGuard(storage, redis, { now, logger });
  const rateLimiter = new RedisRateLimiter(redis, {
    onFailOpen: () =>
      logger.debug('rate limit not counted: redis unavailable (redis_failure: open)'),
  });
  return {
    rateLimiter,
    spendGuard,
    redis,
    async close() {
      await spendGuard.close();
      await redis.close();
    },
  };
}
