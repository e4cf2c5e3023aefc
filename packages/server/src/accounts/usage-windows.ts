import { toRecordTimestamp } from '../ledger/ids.js';

/** How a key's limit resets (OpenRouter's `limit_reset`); null = never. */
export type LimitReset = 'daily' | 'weekly' | 'monthly' | null;

const DAY_MS = 86_400_000;

/** Start (epoch ms, UTC) of the window containing `nowMs`: midnight, Monday, the 1st; null = ever. */
export function windowStart(reset: LimitReset, nowMs: number): number | null {
  if (reset === null) return null;
  const date = new Date(nowMs);
  const midnight = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
  switch (reset) {
    case 'daily':
      return midnight;
    case 'weekly':
      // getUTCDay: 0 = Sunday; weeks run Monday–Sunday.
      return midnight - ((date.getUTCDay() + 6) % 7) * DAY_MS;
    case 'monthly':
      return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
    default: {
      const unreachable: never = reset;
      return unreachable;
    }
  }
}

/** `created_at` form of a window start, for comparing with stored records. */
export function windowStartIso(reset: LimitReset, nowMs: number): string | null {
  const start = windowStart(reset, nowMs);
  return start === null ? null : toRecordTimestamp(start);
}
