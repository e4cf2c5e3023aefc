import { GatewayError } from '../errors/gateway-error.js';
import { toRecordTimestamp } from '../ledger/ids.js';
import { formatUsd, type Pico } from '../ledger/money.js';
import type { RecoveredCharge } from '../ledger/recover-inflight.js';
import type { ApiKeyRow, Storage } from '../storage/storage.js';
import { type LimitReset, windowStart } from './usage-windows.js';

const HOUR_MS = 3_600_000;

/** A hold on credit for one request; settle it with the actual cost once the record is durable. */
export interface Reservation {
  readonly amount: Pico;
  settle(actual: Pico, createdAtMs: number): void;
  release(): void;
}

/**
 * What one spender (a key, or the whole account) has used. Usage is derived from the ledger: the
 * committed records created before this process first saw the spender (`since`), summed in
 * storage, plus what this process settled since, bucketed by hour.
 */
class SpenderState {
  reserved = 0n;
  readonly #sinceMs: number;
  readonly #since: string;
  readonly #buckets = new Map<number, Pico>();
  readonly #stored = new Map<string, Promise<Pico>>();
  readonly #load: (sinceIso: string | null, beforeIso: string) => Promise<Pico>;
  /** Bumped when the stored sums are dropped: a read begun before must not use what it loaded. */
  #epoch = 0;

  constructor(nowMs: number, load: (sinceIso: string | null, beforeIso: string) => Promise<Pico>) {
    this.#sinceMs = nowMs;
    this.#since = toRecordTimestamp(nowMs);
    this.#load = load;
  }

  /** Usage in the window starting at `startMs` (null = all time), reservations excluded. */
  async used(startMs: number | null): Promise<Pico> {
    const startIso = startMs === null ? null : toRecordTimestamp(startMs);
    const cacheKey = startIso ?? 'ever';
    for (;;) {
      const epoch = this.#epoch;
      let stored = this.#stored.get(cacheKey);
      if (stored === undefined) {
        const loading = this.#load(startIso, this.#since);
        loading.catch(() => {
          if (this.#stored.get(cacheKey) === loading) this.#stored.delete(cacheKey);
        });
        this.#stored.set(cacheKey, loading);
        stored = loading;
      }
      let total = await stored;
      // Records were added before `since` while this read waited (recovery): read them again.
      if (epoch !== this.#epoch) continue;
      for (const [hour, amount] of this.#buckets) {
        if (startMs === null || hour >= startMs) total += amount;
      }
      return total;
    }
  }

  settle(amount: Pico, createdAtMs: number): void {
    const hour = Math.floor(createdAtMs / HOUR_MS) * HOUR_MS;
    this.#buckets.set(hour, (this.#buckets.get(hour) ?? 0n) + amount);
  }

  /**
   * A record committed by someone else (recovery of a dead node's journal) that this process
   * never settled: one created before `since` is in the ledger's sums, which are read again;
   * a later one is added as a settle would.
   */
  recovered(amount: Pico, createdAtMs: number): void {
    if (createdAtMs < this.#sinceMs) {
      this.#epoch += 1;
      this.#stored.clear();
    } else {
      this.settle(amount, createdAtMs);
    }
  }
}

/**
 * Credit control as routes see it. {@link SpendGuard} is the single-node implementation; the
 * multi-node work backs the same interface with shared storage.
 */
export interface SpendControl {
  refreshCredits(): Promise<void>;
  /**
   * A key's row changed (undefined: deleted), before the change is answered: with limits shared
   * by several nodes, every reservation from then on is checked against it (decision 0053).
   */
  keyChanged(hash: string, row: ApiKeyRow | undefined): Promise<void>;
  isLimited(key: ApiKeyRow): boolean;
  touch(key: ApiKeyRow): void;
  reserve(key: ApiKeyRow, maxCost: Pico, maxTokens: number): Promise<Reservation>;
  record(keyHash: string, actual: Pico, createdAtMs: number): void;
  /**
   * Charges of records recovered from the in-flight journal (their reservations died with the
   * crashed process), once they are committed: this node's own rows at start, before serving,
   * and a dead node's rows while serving (the lease sweep, ledger/node-leases.ts).
   */
  recordRecovered(charges: readonly RecoveredCharge[]): void;
  held(keyHash: string): { key: Pico; account: Pico };
}

/** Options of the {@link SpendGuard}. */
export interface SpendGuardOptions {
  now: () => number;
}

/**
 * Refuses (402) a request whose maximum possible cost does not fit the key's limit or the
 * account's credit, and holds that amount until the request settles. Checks and holds happen in
 * one synchronous step, so concurrent requests can never together exceed a limit. Single node;
 * the multi-node issue backs the same interface with shared storage.
 */
export class SpendGuard implements SpendControl {
  readonly #storage: Storage;
  readonly #now: () => number;
  readonly #keys = new Map<string, SpenderState>();
  readonly #account: SpenderState;
  #credits: { totalPico: Pico; count: number } | null = null;

  constructor(storage: Storage, options: SpendGuardOptions) {
    this.#storage = storage;
    this.#now = options.now;
    this.#account = new SpenderState(options.now(), async (_sinceIso, beforeIso) =>
      storage.generations.sumUsageBefore(null, null, beforeIso),
    );
  }

  /** Nothing to do: one node reads a changed key's row afresh once its cache dropped it. */
  async keyChanged(_hash: string, _row: ApiKeyRow | undefined): Promise<void> {}

  /** Loads the account's credit grants; call at start and after a grant. */
  async refreshCredits(): Promise<void> {
    this.#credits = await this.#storage.credits.totals();
  }

  /** Whether this key or the account has a limit (only then is a reservation needed). */
  isLimited(key: ApiKeyRow): boolean {
    return key.limitPico !== null || (this.#credits?.count ?? 0) > 0;
  }

  /** Marks a key as seen before its first request (its usage is then tracked exactly). */
  touch(key: ApiKeyRow): void {
    this.#keyState(key.hash);
  }

  #keyState(hash: string): SpenderState {
    let state = this.#keys.get(hash);
    if (state === undefined) {
      state = new SpenderState(this.#now(), (sinceIso, beforeIso) =>
        this.#storage.generations.sumUsageBefore(hash, sinceIso, beforeIso),
      );
      this.#keys.set(hash, state);
    }
    return state;
  }

  /** Usage of a key in its current limit window (settled only). */
  async keyUsage(key: ApiKeyRow): Promise<Pico> {
    return this.#keyState(key.hash).used(windowStart(key.limitReset as LimitReset, this.#now()));
  }

  /** Holds `maxCost` for a request, or throws 402 when it cannot be afforded. */
  async reserve(key: ApiKeyRow, maxCost: Pico, maxTokens: number): Promise<Reservation> {
    const state = this.#keyState(key.hash);
    const nowMs = this.#now();
    const [keyUsed, accountUsed] = await Promise.all([
      state.used(windowStart(key.limitReset, nowMs)),
      this.#credits !== null && this.#credits.count > 0 ? this.#account.used(null) : 0n,
    ]);
    // From here to the hold, nothing awaits: the check and the hold are one atomic step.
    if (key.limitPico !== null) {
      const remaining = key.limitPico - keyUsed - state.reserved;
      if (maxCost > remaining) throw insufficient('key', remaining, maxCost, maxTokens);
    }
    if (this.#credits !== null && this.#credits.count > 0) {
      const remaining = this.#credits.totalPico - accountUsed - this.#account.reserved;
      if (maxCost > remaining) throw insufficient('account', remaining, maxCost, maxTokens);
    }
    state.reserved += maxCost;
    this.#account.reserved += maxCost;
    let open = true;
    const close = () => {
      if (!open) return false;
      open = false;
      state.reserved -= maxCost;
      this.#account.reserved -= maxCost;
      return true;
    };
    return {
      amount: maxCost,
      settle: (actual, createdAtMs) => {
        if (!close()) return;
        state.settle(actual, createdAtMs);
        this.#account.settle(actual, createdAtMs);
      },
      release: () => {
        close();
      },
    };
  }

  /** What is currently held for in-flight requests: of one key, and of the whole account. */
  held(keyHash: string): { key: Pico; account: Pico } {
    return { key: this.#keys.get(keyHash)?.reserved ?? 0n, account: this.#account.reserved };
  }

  /** Records a settled charge that had no reservation (an unlimited key). */
  record(keyHash: string, actual: Pico, createdAtMs: number): void {
    this.#keyState(keyHash).settle(actual, createdAtMs);
    this.#account.settle(actual, createdAtMs);
  }

  /**
   * Counts recovered records against every spender already seen: recovery at start commits
   * before any spender is seen (their usage is then read from the ledger, records included),
   * but the lease sweep recovers a dead node's rows while serving, after their keys' usage was
   * read; without this, a key and the account could spend those charges again.
   */
  recordRecovered(charges: readonly RecoveredCharge[]): void {
    for (const { keyHash, usagePico, createdAtMs } of charges) {
      this.#keys.get(keyHash)?.recovered(usagePico, createdAtMs);
      this.#account.recovered(usagePico, createdAtMs);
    }
  }
}

/** The 402 for a request whose maximum cost does not fit what `scope` has left. */
export function insufficient(
  scope: 'key' | 'account',
  remaining: Pico,
  maxCost: Pico,
  maxTokens: number,
): GatewayError {
  const available = remaining < 0n ? 0n : remaining;
  const where =
    scope === 'key'
      ? "This key's limit does not cover it; raise the limit or wait for its reset."
      : 'The account does not have enough credits; an operator can add credits.';
  return new GatewayError(
    'insufficient_credits',
    `This request requires more credits, or fewer max_tokens. You requested up to ${maxTokens} tokens, which can cost up to $${formatUsd(maxCost)}, but only $${formatUsd(available)} is available. ${where}`,
    {
      metadata: {
        scope,
        requested_max_tokens: maxTokens,
        max_cost: formatUsd(maxCost),
        available: formatUsd(available),
      },
      headers: { 'x-should-retry': 'false' },
    },
  );
}
