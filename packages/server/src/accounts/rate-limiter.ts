import { GatewayError } from '../errors/gateway-error.js';

/** A request-rate limit: at most `requests` per `intervalSeconds`. */
export interface RateLimit {
  requests: number;
  intervalSeconds: number;
}

/** The outcome of counting one request against a limit. */
export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Epoch ms when the current window ends. */
  resetAtMs: number;
}

/** Counts requests per key: in memory ({@link MemoryRateLimiter}) or across nodes in Redis. */
export interface RateLimiter {
  /** Counts one request; rejects (a GatewayError) only when the count cannot be made. */
  hit(keyHash: string, limit: RateLimit, nowMs: number): Promise<RateLimitDecision>;
}

/** A fixed-window limiter in process memory (single node). */
export class MemoryRateLimiter implements RateLimiter {
  readonly #windows = new Map<string, { startMs: number; count: number }>();

  async hit(keyHash: string, limit: RateLimit, nowMs: number): Promise<RateLimitDecision> {
    const intervalMs = limit.intervalSeconds * 1000;
    const startMs = Math.floor(nowMs / intervalMs) * intervalMs;
    let window = this.#windows.get(keyHash);
    if (window === undefined || window.startMs !== startMs) {
      window = { startMs, count: 0 };
      this.#windows.set(keyHash, window);
      if (this.#windows.size > 100_000) this.#sweep(nowMs);
    }
    const allowed = window.count < limit.requests;
    if (allowed) window.count += 1;
    return {
      allowed,
      limit: limit.requests,
      remaining: Math.max(0, limit.requests - window.count),
      resetAtMs: startMs + intervalMs,
    };
  }

  #sweep(nowMs: number): void {
    for (const [key, window] of this.#windows) {
      if (window.startMs + 3_600_000 < nowMs) this.#windows.delete(key);
    }
  }
}

/** Throws OpenRouter's 429 with `Retry-After` and `X-RateLimit-*` when a decision refuses. */
export function enforceRateLimit(decision: RateLimitDecision, nowMs: number): void {
  if (decision.allowed) return;
  const retryAfter = Math.max(1, Math.ceil((decision.resetAtMs - nowMs) / 1000));
  throw new GatewayError('rate_limited', 'Rate limit exceeded', {
    metadata: { limit: decision.limit, reset_at: decision.resetAtMs },
    headers: {
      'retry-after': String(retryAfter),
      'x-ratelimit-limit': String(decision.limit),
      'x-ratelimit-remaining': String(decision.remaining),
      'x-ratelimit-reset': String(decision.resetAtMs),
    },
  });
}
