import type { ApiKey } from '@tollgate/protocol';
import { toUsdNumber } from '../ledger/money.js';
import type { ApiKeyRow, Storage } from '../storage/storage.js';
import { windowStartIso } from './usage-windows.js';

/** Amounts (pico-USD) all time and per calendar window (UTC). */
export interface WindowedAmounts {
  total: bigint;
  daily: bigint;
  weekly: bigint;
  monthly: bigint;
}

/**
 * A key's committed usage (what it was charged) and, under `byok`, the upstream cost of its BYOK
 * generations (billed by the provider to its owner, not by Tollgate).
 */
export interface KeyUsage extends WindowedAmounts {
  byok: WindowedAmounts;
}

/** Sums a key's committed generations from the ledger, every window in one snapshot. */
export async function loadKeyUsage(
  storage: Storage,
  hash: string,
  nowMs: number,
): Promise<KeyUsage> {
  const starts = WINDOWS.map((window) => windowStartIso(window, nowMs) as string);
  const sums = await storage.generations.sumKeyWindows(hash, starts);
  const amounts = (values: bigint[]): WindowedAmounts => ({
    total: values[0] ?? 0n,
    daily: values[1] ?? 0n,
    weekly: values[2] ?? 0n,
    monthly: values[3] ?? 0n,
  });
  return { ...amounts(sums.usage), byok: amounts(sums.byok) };
}

/** The calendar windows of {@link WindowedAmounts}, in the order `sumKeyWindows` is asked. */
const WINDOWS = ['daily', 'weekly', 'monthly'] as const;

/** Usage that counts against the key's limit: the window its `limit_reset` names. */
export function usageInLimitWindow(row: ApiKeyRow, usage: KeyUsage): bigint {
  switch (row.limitReset) {
    case 'daily':
      return usage.daily;
    case 'weekly':
      return usage.weekly;
    case 'monthly':
      return usage.monthly;
    case null:
      return usage.total;
    default: {
      const unreachable: never = row.limitReset;
      return unreachable;
    }
  }
}

/** `limit_remaining`: null without a limit, never below zero. */
export function limitRemaining(row: ApiKeyRow, usage: KeyUsage): number | null {
  if (row.limitPico === null) return null;
  const remaining = row.limitPico - usageInLimitWindow(row, usage);
  return toUsdNumber(remaining < 0n ? 0n : remaining);
}

/** The wire form of a key. */
export function toApiKey(row: ApiKeyRow, usage: KeyUsage): ApiKey {
  return {
    hash: row.hash,
    name: row.name,
    label: row.label,
    disabled: row.disabled,
    limit: row.limitPico === null ? null : toUsdNumber(row.limitPico),
    limit_remaining: limitRemaining(row, usage),
    limit_reset: row.limitReset,
    include_byok_in_limit: row.includeByokInLimit,
    usage: toUsdNumber(usage.total),
    usage_daily: toUsdNumber(usage.daily),
    usage_weekly: toUsdNumber(usage.weekly),
    usage_monthly: toUsdNumber(usage.monthly),
    byok_usage: toUsdNumber(usage.byok.total),
    byok_usage_daily: toUsdNumber(usage.byok.daily),
    byok_usage_weekly: toUsdNumber(usage.byok.weekly),
    byok_usage_monthly: toUsdNumber(usage.byok.monthly),
    created_at: row.createdAt,
    updated_at: row.updatedAt,
    expires_at: row.expiresAt,
    creator_user_id: row.creatorUserId,
    store_content: row.storeContent,
    external_user: null,
    workspace_id: row.workspaceId,
  };
}
