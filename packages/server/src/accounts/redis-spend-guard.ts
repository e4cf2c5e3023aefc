import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { GatewayError } from '../errors/gateway-error.js';
import { toRecordTimestamp } from '../ledger/ids.js';
import type { Pico } from '../ledger/money.js';
import type { RecoveredCharge } from '../ledger/recover-inflight.js';
import type { ApiKeyRow, Storage } from '../storage/storage.js';
import { type RedisConnection, redisUnavailable } from './redis-connection.js';
import { ENSURE_SINCE, RENEW, RESERVE, SETTLE } from './redis-spend-scripts.js';
import { insufficient, type Reservation, type SpendControl } from './spend-guard.js';
import { type LimitReset, windowStart } from './usage-windows.js';

const DAY_MS = 86_400_000;
/** How long the counters of a day, week and month outlive their start (ms). */
const COUNTER_LIFETIME_MS: Record<Exclude<LimitReset, null>, number> = {
  daily: 40 * DAY_MS,
  weekly: 50 * DAY_MS,
  monthly: 100 * DAY_MS,
};
const ACCOUNT = 'account';
const MAX_PENDING_SETTLES = 100_000;

/** Options of {@link RedisSpendGuard}. */
export interface RedisSpendGuardOptions {
  now: () => number;
  logger: Logger;
  /** How long a hold survives without renewal, i.e. after its node died (default 10 minutes). */
  leaseMs?: number;
}

interface OpenHold {
  id: string;
  amount: Pico;
  keyHash: string;
  /** Its settle is on its way to Redis: not renewed (nor made again) meanwhile. */
  settling: boolean;
}

interface PendingSettle {
  holdId: string;
  keyHash: string;
  actual: Pico;
  createdAtMs: number;
}

/**
 * Credit control shared by every node through Redis. A spender's (key's or the account's) usage
 * in a window = the ledger's records in [window start, `since`) — summed once in storage and
 * cached — plus Redis counters that every settle after `since` increments. The check against the
 * limit and the hold happen in one Lua script, so concurrent requests on any number of nodes never
 * together exceed a limit. Holds carry a lease that their node renews; a dead node's holds lapse.
 * When Redis cannot be reached, reservations are refused (503): credit checks never fail open.
 */
export class RedisSpendGuard implements SpendControl {
  readonly #storage: Storage;
  readonly #redis: RedisConnection;
  readonly #now: () => number;
  readonly #logger: Logger;
  readonly #leaseMs: number;
  readonly #since = new Map<string, string>();
  readonly #storedSums = new Map<string, Promise<Pico>>();
  readonly #open = new Map<string, OpenHold>();
  #pending: PendingSettle[] = [];
  readonly #settling = new Set<Promise<void>>();
  #credits: { totalPico: Pico; count: number } | null = null;
  readonly #timer: NodeJS.Timeout;

  constructor(storage: Storage, redis: RedisConnection, options: RedisSpendGuardOptions) {
    this.#storage = storage;
    this.#redis = redis;
    this.#now = options.now;
    this.#logger = options.logger;
    this.#leaseMs = options.leaseMs ?? 600_000;
    this.#timer = setInterval(() => void this.#maintain(), Math.min(this.#leaseMs / 3, 5_000));
    this.#timer.unref();
  }

  /** Loads the account's credit grants; call at start and after a grant. */
  async refreshCredits(): Promise<void> {
    this.#credits = await this.#storage.credits.totals();
  }

  /** Whether this key or the account has a limit (only then is a reservation needed). */
  isLimited(key: ApiKeyRow): boolean {
    return key.limitPico !== null || (this.#credits?.count ?? 0) > 0;
  }

  /** Nothing to do: a spender's `since` is fixed in Redis by its first reservation or charge. */
  touch(_key: ApiKeyRow): void {}

  /**
   * A key's row changed (PATCH, DELETE; `row` undefined when deleted): its limit terms go to
   * Redis before the change is answered, so a reservation on any node made with a row read
   * before it is answered `stale` and made again with the row read afresh.
   */
  async keyChanged(hash: string, row: ApiKeyRow | undefined): Promise<void> {
    try {
      await this.#redis.client.hset(this.#stateKey(`key:${hash}`), 'terms', termsOf(row));
    } catch (error) {
      // Reservations refuse while Redis is unreachable; others see the change within 2 s.
      this.#redis.reportError(error);
    }
  }

  /** Holds `maxCost` for a request, or throws 402 when it cannot be afforded (503 without Redis). */
  async reserve(cached: ApiKeyRow, maxCost: Pico, maxTokens: number): Promise<Reservation> {
    const id = randomUUID();
    let key = cached;
    try {
      let outcome = await this.#tryReserve(id, key, maxCost);
      // Redis lost its state (a restart without persistence): learn the new `since`, once.
      if (outcome[0] === 'since') outcome = await this.#tryReserve(id, key, maxCost, true);
      // The key changed after this node read its row: read it again, and hold under it.
      if (outcome[0] === 'stale') {
        key = await this.#freshRow(key.hash);
        outcome = await this.#tryReserve(id, key, maxCost, false, true);
        if (outcome[0] === 'since') outcome = await this.#tryReserve(id, key, maxCost, true, true);
      }
      if (outcome[0] === 'refused') {
        const scope = outcome[1] === '0' ? 'key' : 'account';
        throw insufficient(scope, BigInt(outcome[2] ?? '0'), maxCost, maxTokens);
      }
      if (outcome[0] !== 'ok') throw new Error(`unexpected reserve reply ${outcome.join(' ')}`);
    } catch (error) {
      if (GatewayError.is(error)) throw error;
      this.#redis.reportError(error);
      throw redisUnavailable('Credit checking', error);
    }
    this.#open.set(id, { id, amount: maxCost, keyHash: key.hash, settling: false });
    let open = true;
    return {
      amount: maxCost,
      settle: (actual, createdAtMs) => {
        if (!open) return;
        open = false;
        this.#settle({ holdId: id, keyHash: key.hash, actual, createdAtMs });
      },
      release: () => {
        if (!open) return;
        open = false;
        this.#settle({ holdId: id, keyHash: key.hash, actual: 0n, createdAtMs: this.#now() });
      },
    };
  }

  /** What this node currently holds for in-flight requests: of one key, and of the account. */
  held(keyHash: string): { key: Pico; account: Pico } {
    let key = 0n;
    let account = 0n;
    for (const hold of this.#open.values()) {
      account += hold.amount;
      if (hold.keyHash === keyHash) key += hold.amount;
    }
    return { key, account };
  }

  /** Records a settled charge that had no reservation (an unlimited key). */
  record(keyHash: string, actual: Pico, createdAtMs: number): void {
    this.#settle({ holdId: '', keyHash, actual, createdAtMs });
  }

  /**
   * Adds recovered records to the shared counters. Their holds lapsed with the dead node, and
   * their creation is after the spender's `since` (a hold set it), so no node's stored sum has
   * them: without this, the key and the account could spend them again. (Were one older than
   * `since`, it would now count twice — more than spent, never less.)
   */
  recordRecovered(charges: readonly RecoveredCharge[]): void {
    for (const charge of charges) this.record(charge.keyHash, charge.usagePico, charge.createdAtMs);
  }

  /** Stops renewing leases (the node is shutting down) after a last try at pending settles. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await Promise.all(this.#settling);
    await this.#flushPending();
    if (this.#pending.length > 0) {
      this.#logger.error(
        { unsettled: this.#pending.length },
        'charges not settled in Redis at shutdown: shared usage misses them until their windows end',
      );
    }
  }

  #stateKey(spender: string): string {
    return `${this.#redis.keyPrefix}spend:${spender}`;
  }

  #counterKey(spender: string, reset: LimitReset, atMs: number): string {
    const start = windowStart(reset, atMs);
    return `${this.#redis.keyPrefix}used:${spender}:${reset ?? 'ever'}:${start ?? 0}`;
  }

  /** A key's row as the ledger has it now; 401 as at authentication when it is gone or off. */
  async #freshRow(hash: string): Promise<ApiKeyRow> {
    const row = await this.#storage.apiKeys.get(hash);
    if (row === undefined) throw new GatewayError('unauthenticated', 'Invalid API key');
    if (row.disabled) throw new GatewayError('unauthenticated', 'This API key is disabled');
    return row;
  }

  async #tryReserve(
    id: string,
    key: ApiKeyRow,
    maxCost: Pico,
    refresh = false,
    fresh = false,
  ): Promise<string[]> {
    const nowMs = this.#now();
    const keySpender = `key:${key.hash}`;
    const credits = this.#credits !== null && this.#credits.count > 0 ? this.#credits : null;
    const [keySince = '', accountSince = ''] = await this.#sinceOf(
      [keySpender, ACCOUNT],
      nowMs,
      refresh,
    );
    const reset = key.limitReset as LimitReset;
    const [keyStored, accountStored] = await Promise.all([
      key.limitPico === null
        ? 0n
        : this.#storedUsage(key.hash, windowStart(reset, nowMs), keySince),
      credits === null ? 0n : this.#storedUsage(null, null, accountSince),
    ]);
    const p = this.#redis.keyPrefix;
    const reply = await RESERVE.run(
      this.#redis.client,
      [
        `${p}holds`,
        `${p}hold-data`,
        `${p}scratch:${id}`,
        this.#stateKey(keySpender),
        this.#counterKey(keySpender, reset, nowMs),
        this.#stateKey(ACCOUNT),
        this.#counterKey(ACCOUNT, null, nowMs),
      ],
      [
        String(nowMs),
        String(nowMs + this.#leaseMs),
        id,
        String(maxCost),
        keySince,
        String(keyStored),
        key.limitPico === null ? '' : String(key.limitPico),
        fresh ? `!${termsOf(key)}` : termsOf(key),
        accountSince,
        String(accountStored),
        credits === null ? '' : String(credits.totalPico),
        '',
      ],
    );
    return (reply as unknown[]).map(String);
  }

  /** Each spender's `since` (ms, as Redis keeps it), cached until Redis says it changed. */
  async #sinceOf(spenders: string[], nowMs: number, refresh: boolean): Promise<string[]> {
    const cached = spenders.map((spender) => (refresh ? undefined : this.#since.get(spender)));
    if (cached.every((value) => value !== undefined)) return cached as string[];
    const reply = await ENSURE_SINCE.run(
      this.#redis.client,
      spenders.map((spender) => this.#stateKey(spender)),
      [String(nowMs)],
    );
    const values = (reply as unknown[]).map(String);
    spenders.forEach((spender, index) => {
      this.#since.set(spender, values[index] ?? '');
    });
    return values;
  }

  /** Σ usage of the ledger's records in [windowStart, since), of a key or (null) of all keys. */
  #storedUsage(keyHash: string | null, startMs: number | null, since: string): Promise<Pico> {
    const sinceMs = Number(since);
    if (startMs !== null && startMs >= sinceMs) return Promise.resolve(0n);
    const cacheKey = `${keyHash ?? ACCOUNT}|${startMs ?? 'ever'}|${since}`;
    let sum = this.#storedSums.get(cacheKey);
    if (sum === undefined) {
      if (this.#storedSums.size > 50_000) this.#storedSums.clear();
      sum = this.#storage.generations.sumUsageBefore(
        keyHash,
        startMs === null ? null : toRecordTimestamp(startMs),
        toRecordTimestamp(sinceMs),
      );
      sum.catch(() => this.#storedSums.delete(cacheKey));
      this.#storedSums.set(cacheKey, sum);
    }
    return sum;
  }

  #settle(pending: PendingSettle): void {
    const hold = this.#open.get(pending.holdId);
    if (hold !== undefined) hold.settling = true;
    const settling = this.#runSettle(pending).then(
      () => {
        this.#open.delete(pending.holdId);
      },
      (error: unknown) => {
        // The hold (≥ the actual charge) stays in Redis while this retries, so nothing is
        // overspent meanwhile; the lease keeps being renewed because the hold is still open.
        this.#redis.reportError(error);
        if (hold !== undefined) hold.settling = false;
        if (this.#pending.length >= MAX_PENDING_SETTLES) {
          // Bounded memory during a long outage: the oldest charge is then missing from the
          // shared counters (it is in the ledger; decision 0008, known limits).
          this.#pending.shift();
          this.#logger.error('too many charges waiting for Redis: dropping the oldest');
        }
        this.#pending.push(pending);
        this.#logger.warn({ err: error }, 'settling a charge in Redis failed; will retry');
      },
    );
    this.#settling.add(settling);
    void settling.finally(() => this.#settling.delete(settling));
  }

  async #runSettle(pending: PendingSettle): Promise<void> {
    const keySpender = `key:${pending.keyHash}`;
    const at = pending.createdAtMs;
    const counters: Array<[string, string]> = [
      [this.#counterKey(keySpender, null, at), ''],
      [this.#counterKey(ACCOUNT, null, at), ''],
    ];
    for (const reset of ['daily', 'weekly', 'monthly'] as const) {
      const start = windowStart(reset, at) ?? 0;
      counters.push([
        this.#counterKey(keySpender, reset, at),
        String(start + COUNTER_LIFETIME_MS[reset]),
      ]);
    }
    const p = this.#redis.keyPrefix;
    await SETTLE.run(
      this.#redis.client,
      [
        `${p}holds`,
        `${p}hold-data`,
        this.#stateKey(keySpender),
        this.#stateKey(ACCOUNT),
        ...counters.map(([counter]) => counter),
      ],
      [
        pending.holdId,
        String(pending.actual),
        '2',
        String(this.#now()),
        ...counters.map(([, expiry]) => expiry),
      ],
    );
  }

  async #flushPending(): Promise<void> {
    const pending = this.#pending;
    this.#pending = [];
    for (const item of pending) {
      const hold = this.#open.get(item.holdId);
      if (hold !== undefined) hold.settling = true;
      try {
        await this.#runSettle(item);
        this.#open.delete(item.holdId);
      } catch (error) {
        if (hold !== undefined) hold.settling = false;
        this.#redis.reportError(error);
        this.#pending.push(item);
      }
    }
  }

  /** Renews this node's open holds, and holds again any Redis lost (RENEW). */
  async #renew(): Promise<void> {
    const holds = [...this.#open.values()].filter((hold) => !hold.settling);
    if (holds.length === 0) return;
    const p = this.#redis.keyPrefix;
    const keys = [`${p}holds`, `${p}hold-data`];
    const args = [String(this.#now() + this.#leaseMs)];
    for (const hold of holds) {
      keys.push(this.#stateKey(`key:${hold.keyHash}`), this.#stateKey(ACCOUNT));
      args.push(hold.id, String(hold.amount));
    }
    const restored = Number(await RENEW.run(this.#redis.client, keys, args));
    if (restored > 0) {
      this.#logger.warn({ restored }, 'holds missing in Redis (lost or lapsed) were held again');
    }
  }

  async #maintain(): Promise<void> {
    if (!this.#redis.isReady()) return;
    try {
      await this.#renew();
      await this.#flushPending();
    } catch (error) {
      this.#redis.reportError(error);
    }
  }
}

/**
 * What of a key's row a reservation depends on: its limit, its reset, whether it is enabled;
 * `deleted` for a deleted key (no row ever matches it).
 */
function termsOf(row: ApiKeyRow | undefined): string {
  if (row === undefined) return 'deleted';
  return `${row.limitPico ?? 'none'}|${row.limitReset ?? 'never'}|${row.disabled ? 'off' : 'on'}`;
}
