/**
 * Retry rules. Bounded by default: 3 attempts within 30 s. Exponential backoff with full
 * jitter, or exactly what the server asks (`retry-after-ms`, `Retry-After`).
 *
 * What is retried: connection errors, 408, 429, 500, 502, 503, 524 and 529. A request that is
 * not idempotent (a POST that creates a generation, a key or a credit grant; a DELETE) is
 * retried only when the failure proves the server did not act: the connection was refused
 * before anything was sent, a 429 (a refusal), or a 503 carrying `Retry-After` (admission
 * control). A timeout or a 5xx on a POST may hide a generation that ran and was billed, so it is
 * returned to the caller instead.
 */

/** How a client or one call retries. */
export type RetryConfig =
  | { strategy: 'none' }
  | {
      strategy: 'backoff';
      backoff?: BackoffStrategy;
      /** Retry when no response arrived (default true). */
      retryConnectionErrors?: boolean;
      /** Most attempts, the first included (default 3). */
      maxAttempts?: number;
    };

/** Backoff timing in milliseconds. */
export interface BackoffStrategy {
  /** First delay (default 500). */
  initialInterval?: number;
  /** Largest delay (default 8000). */
  maxInterval?: number;
  /** Growth per attempt (default 2). */
  exponent?: number;
  /** No retry starts later than this after the first attempt began (default 30000). */
  maxElapsedTime?: number;
}

/** The default: 3 attempts, 500 ms × 2ⁿ (≤ 8 s) with jitter, 30 s in all. */
export const DEFAULT_RETRY_CONFIG: RetryConfig = { strategy: 'backoff' };

/** Statuses worth another attempt. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 524, 529]);

/** The settled numbers of a backoff config. */
export interface RetryPlan {
  maxAttempts: number;
  initialInterval: number;
  maxInterval: number;
  exponent: number;
  maxElapsedTime: number;
  retryConnectionErrors: boolean;
}

/** Resolves a config to concrete numbers (`none` = one attempt). */
export function toRetryPlan(config: RetryConfig): RetryPlan {
  if (config.strategy === 'none') {
    return {
      maxAttempts: 1,
      initialInterval: 0,
      maxInterval: 0,
      exponent: 1,
      maxElapsedTime: 0,
      retryConnectionErrors: false,
    };
  }
  return {
    maxAttempts: Math.max(1, config.maxAttempts ?? 3),
    initialInterval: config.backoff?.initialInterval ?? 500,
    maxInterval: config.backoff?.maxInterval ?? 8000,
    exponent: config.backoff?.exponent ?? 2,
    maxElapsedTime: config.backoff?.maxElapsedTime ?? 30_000,
    retryConnectionErrors: config.retryConnectionErrors ?? true,
  };
}

/** The delay the server asked for (`retry-after-ms`, then `Retry-After` seconds or date). */
export function serverRetryDelay(headers: Headers, nowMs: number): number | null {
  const milliseconds = Number(headers.get('retry-after-ms') ?? Number.NaN);
  if (Number.isFinite(milliseconds) && milliseconds >= 0) return milliseconds;
  const retryAfter = headers.get('retry-after');
  if (retryAfter === null) return null;
  const seconds = Number(retryAfter);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(retryAfter);
  return Number.isNaN(date) ? null : Math.max(0, date - nowMs);
}

/** Backoff before attempt `attempt + 1` (attempt counts from 1): full jitter over the cap. */
export function backoffDelay(plan: RetryPlan, attempt: number, random: () => number): number {
  const cap = Math.min(plan.maxInterval, plan.initialInterval * plan.exponent ** (attempt - 1));
  return Math.round(cap * (0.5 + random() * 0.5));
}

/** Whether an HTTP status may be retried for this request. */
export function isRetryableStatus(status: number, headers: Headers, idempotent: boolean): boolean {
  if (!RETRYABLE_STATUSES.has(status)) return false;
  if (idempotent || status === 429) return true;
  return status === 503 && headers.get('retry-after') !== null;
}
