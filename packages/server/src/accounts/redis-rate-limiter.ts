import type { RateLimit, RateLimitDecision, RateLimiter } from './rate-limiter.js';
import { type RedisConnection, RedisScript, redisUnavailable } from './redis-connection.js';

// One fixed window per key and interval: INCR, and the first hit of a window sets its expiry.
const HIT_SCRIPT = new RedisScript(`
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return count`);

/** Options of {@link RedisRateLimiter}. */
export interface RedisRateLimiterOptions {
  /** Called when Redis fails and the limiter lets the request through (`redis_failure: open`). */
  onFailOpen?: (error: unknown) => void;
}

/**
 * A fixed-window request-rate limiter shared by every node: one atomic Lua script (INCR +
 * PEXPIRE) per request. While Redis is unreachable it fails closed (503) or open, as configured.
 */
export class RedisRateLimiter implements RateLimiter {
  readonly #redis: RedisConnection;
  readonly #onFailOpen: (error: unknown) => void;

  constructor(redis: RedisConnection, options: RedisRateLimiterOptions = {}) {
    this.#redis = redis;
    this.#onFailOpen = options.onFailOpen ?? (() => undefined);
  }

  async hit(keyHash: string, limit: RateLimit, nowMs: number): Promise<RateLimitDecision> {
    const intervalMs = limit.intervalSeconds * 1000;
    const startMs = Math.floor(nowMs / intervalMs) * intervalMs;
    const resetAtMs = startMs + intervalMs;
    const redisKey = `${this.#redis.keyPrefix}rl:${keyHash}:${limit.intervalSeconds}:${startMs}`;
    let count: number;
    try {
      // The key outlives its window by a second so clock skew between nodes cannot reopen it.
      const reply = await HIT_SCRIPT.run(
        this.#redis.client,
        [redisKey],
        [String(intervalMs + 1000)],
      );
      count = Number(reply);
    } catch (error) {
      this.#redis.reportError(error);
      if (this.#redis.failure === 'closed') throw redisUnavailable('Rate limiting', error);
      this.#onFailOpen(error);
      return { allowed: true, limit: limit.requests, remaining: limit.requests, resetAtMs };
    }
    return {
      allowed: count <= limit.requests,
      limit: limit.requests,
      remaining: Math.max(0, limit.requests - count),
      resetAtMs,
    };
  }
}
