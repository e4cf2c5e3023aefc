/** An API key as stored (never the secret, only its SHA-256 hex `hash`). */
export interface ApiKeyRow {
  hash: string;
  name: string;
  label: string;
  isManagement: boolean;
  disabled: boolean;
  limitPico: bigint | null;
  limitReset: 'daily' | 'weekly' | 'monthly' | null;
  includeByokInLimit: boolean;
  workspaceId: string;
  creatorUserId: string | null;
  createdAt: string;
  updatedAt: string | null;
  expiresAt: string | null;
  /** Per-key request-rate limit (overrides the config default); null = the default. */
  rateLimit: { requests: number; intervalSeconds: number } | null;
  /** Store this key's prompts and completions: true/false overrides the config; null = the config. */
  storeContent: boolean | null;
}

/** A committed generation: ledger columns plus the serialized wire record. */
export interface GenerationRow {
  id: string;
  keyHash: string;
  requestId: string;
  createdAt: string;
  model: string;
  providerName: string | null;
  apiType: string | null;
  isByok: boolean;
  cancelled: boolean;
  usagePico: bigint;
  totalCostPico: bigint;
  upstreamCostPico: bigint | null;
  recordVersion: number;
  /** The endpoint that served it (last attempt's `endpoint_id`); null when none was tried. */
  endpointId: string | null;
  externalUser: string | null;
  sessionId: string | null;
  outcome: GenerationOutcomeKind;
  /** Native (billed) token counts, 0 when unknown: what the usage rollups sum. */
  promptTokens: number;
  completionTokens: number;
  reasoningTokens: number;
  /** The prompt and output, deflated JSON (ledger/generation-content.ts); null when not stored. */
  content: Uint8Array | null;
  /** JSON text of the wire record, exactly as `GET /generation` returns it under `data`. */
  record: string;
}

/** How a generation ended: `error` = finish reason `error`; `cancelled` wins over both. */
export type GenerationOutcomeKind = 'ok' | 'error' | 'cancelled';

/** What a generation lookup needs: the owner and the serialized record. */
export interface StoredGeneration {
  keyHash: string;
  recordVersion: number;
  record: string;
}

/** Generation records: written once (in batches), never updated. */
export interface GenerationStore {
  /**
   * Inserts records atomically (one transaction) and, in the same transaction, deletes their
   * in-flight journal rows; resolves once durably committed.
   */
  insertMany(rows: readonly GenerationRow[]): Promise<void>;
  /**
   * How many `insertMany` calls the ledger may have running at once (default 1): more than one
   * only where each runs on its own connection and transaction (PostgreSQL).
   */
  readonly concurrentBatches?: number;
  get(id: string): Promise<StoredGeneration | undefined>;
  /**
   * {@link get} answered synchronously, where the store can: a SQLite file's own read connection
   * (storage/sqlite-generation-lookups.ts). Absent elsewhere. A wrapper that changes `get` must
   * change or drop this too.
   */
  getNow?: (id: string) => StoredGeneration | undefined;
  /** The stored content of a generation (deflated JSON), or undefined when none was stored. */
  getContent(id: string): Promise<Uint8Array | undefined>;
  /** Σ usage of a key's generations created at or after `sinceIso` (all when null), pico-USD. */
  sumUsage(keyHash: string, sinceIso?: string | null): Promise<bigint>;
  /**
   * Σ upstream cost of a key's BYOK generations created at or after `sinceIso` (all when null),
   * rolled-up ones included, pico-USD: the `byok_usage` that the provider billed its owner.
   */
  sumByokUsage(keyHash: string, sinceIso?: string | null): Promise<bigint>;
  /** Σ usage of every generation (rolled-up ones included), pico-USD. */
  sumAllUsage(): Promise<bigint>;
  /**
   * A key's usage and BYOK usage, all time then since each of `startsIso` (UTC midnights), read
   * in one snapshot, so the windows always agree with each other (storage/kysely-usage.ts).
   */
  sumKeyWindows(keyHash: string, startsIso: readonly string[]): Promise<KeyWindowSums>;
  /**
   * Σ usage of generations created in [`sinceIso`, `beforeIso`) — of one key, or of all when
   * `keyHash` is null; `sinceIso` null = from the beginning.
   */
  sumUsageBefore(
    keyHash: string | null,
    sinceIso: string | null,
    beforeIso: string,
  ): Promise<bigint>;
  count(): Promise<number>;
}

/** The fields of a key that can change. */
export type ApiKeyPatch = Partial<
  Pick<
    ApiKeyRow,
    | 'name'
    | 'label'
    | 'disabled'
    | 'limitPico'
    | 'limitReset'
    | 'includeByokInLimit'
    | 'expiresAt'
    | 'rateLimit'
    | 'storeContent'
    | 'updatedAt'
  >
>;

/** API keys. */
export interface ApiKeyStore {
  get(hash: string): Promise<ApiKeyRow | undefined>;
  insert(row: ApiKeyRow): Promise<void>;
  /** Inserts unless a key with this hash exists (nodes starting at once); true if inserted. */
  insertIfAbsent(row: ApiKeyRow): Promise<boolean>;
  /** Newest first. */
  list(options: { includeDisabled: boolean; offset: number; limit: number }): Promise<ApiKeyRow[]>;
  /**
   * Returns the updated row, or undefined when no such key exists. Disabling the last enabled
   * management key throws a 409 `conflict` GatewayError and changes nothing.
   */
  update(hash: string, patch: ApiKeyPatch): Promise<ApiKeyRow | undefined>;
  /**
   * Returns whether a key was deleted. Deleting the last enabled management key throws a 409
   * `conflict` GatewayError and deletes nothing.
   */
  delete(hash: string): Promise<boolean>;
  countManagementKeys(): Promise<number>;
  /** Management keys that are enabled (and not expired at `nowIso`). */
  countEnabledManagementKeys(nowIso: string): Promise<number>;
  /**
   * Makes `row` the bootstrap key (inserted if new; made management, enabled and bootstrap if it
   * exists) and deletes every other bootstrap key, atomically; returns the deleted rows.
   */
  rotateBootstrapKey(row: ApiKeyRow): Promise<ApiKeyRow[]>;
  /** Inserts a bootstrap key (the one generated at first start). */
  insertBootstrapKey(row: ApiKeyRow): Promise<void>;
}

/** One credit grant (positive adds credit, negative corrects it). */
export interface CreditGrantRow {
  id: string;
  amountPico: bigint;
  note: string | null;
  createdAt: string;
}

/** Operator-granted credit. */
export interface CreditStore {
  insert(row: CreditGrantRow): Promise<void>;
  /** Σ of all grants, and how many there are (none = credits are not enforced). */
  totals(): Promise<{ totalPico: bigint; count: number }>;
  /** The newest `limit` grants, newest first ((created_at, id) descending). */
  list(limit: number): Promise<CreditGrantRow[]>;
}

/** A journaled in-flight generation: its id may be out, its record is not committed yet. */
export interface InflightRow {
  id: string;
  /** The gateway node that owns it (only that node recovers it). */
  nodeId: string;
  keyHash: string;
  createdAt: string;
  /** Layout version of `facts`. */
  factsVersion: number;
  /** What is known before the outcome, serialized by `ledger/inflight-journal.ts`. */
  facts: string;
  /** Completion text (UTF-8 bytes) relayed to the client at the last checkpoint; null: none yet. */
  relayedBytes: number | null;
}

/**
 * A stream's checkpoint: how much completion text it has relayed so far, and its facts once the
 * attempt journaled in flight has answered (lazy: the row written during dispatch lists it with
 * status null).
 */
export interface InflightCheckpoint {
  id: string;
  /** null: unchanged. */
  relayedBytes: number | null;
  /** Serialized facts replacing the row's; absent: unchanged. */
  facts?: string | undefined;
}

/**
 * The in-flight journal. Rows are inserted before an id is exposed and deleted by
 * {@link GenerationStore.insertMany} in the transaction that commits the record.
 */
export interface InflightStore {
  /** Inserts rows atomically (one transaction); resolves once durably committed. */
  insertMany(rows: readonly InflightRow[]): Promise<void>;
  /**
   * Inserts rows, or replaces the facts (`facts_version`, `facts`) of those whose id is already
   * journaled, atomically; resolves once durably committed. A stream re-journals so when the
   * candidate that answered is not the one journaled while dispatch ran (a fallback).
   */
  upsertMany(rows: readonly InflightRow[]): Promise<void>;
  /** The rows a node owns, oldest first. */
  listByNode(nodeId: string): Promise<InflightRow[]>;
  /** Deletes rows by id (those whose record already exists). */
  deleteMany(ids: readonly string[]): Promise<void>;
  /** One row by id, or undefined. */
  get(id: string): Promise<InflightRow | undefined>;
  /**
   * Records checkpoints of many streams in one transaction (rows already gone are skipped: an
   * update, never an insert).
   */
  checkpoint(checkpoints: readonly InflightCheckpoint[]): Promise<void>;
  /**
   * Turns journal rows into their records exactly once: in one transaction, deletes the rows of
   * `records` that still exist and inserts the records of exactly those rows (a record that
   * already exists is kept). Returns the ids inserted; a concurrent finalizer gets the others.
   */
  finalizeMany(records: readonly GenerationRow[]): Promise<string[]>;
}

/** Node leases: a node renews its own; others recover the rows of a node whose lease expired. */
/** A node's lease as another process holds it. */
export interface HeldLease {
  /** Null for a lease written before holders were recorded (migration 0012). */
  holder: string | null;
  expiresAtMs: number;
}

export interface NodeLeaseStore {
  /** Sets `nodeId`'s lease to expire at `expiresAtMs` and clears any claim on it, whoever holds it. */
  renew(nodeId: string, expiresAtMs: number): Promise<void>;
  /**
   * Takes or renews `nodeId`'s lease for `holder` (one process, ledger/lease-holder.ts) until
   * `expiresAtMs` and clears any claim on it — unless another holder's lease is live at `nowMs`
   * and that holder is not `replacing` (one found dead). Null when the lease is now `holder`'s,
   * else the lease that stands (decision 0052).
   */
  hold(
    nodeId: string,
    holder: string,
    nowMs: number,
    expiresAtMs: number,
    replacing?: string | null,
  ): Promise<HeldLease | null>;
  /** Node ids other than `exceptNodeId` whose lease expired before `nowMs`. */
  listExpired(nowMs: number, exceptNodeId: string): Promise<string[]>;
  /**
   * Atomically claims an expired node for `claimer` until `untilMs`; true for exactly one
   * claimer per expiry (a lease renewed or claimed by another meanwhile is not claimed).
   */
  claim(nodeId: string, claimer: string, nowMs: number, untilMs: number): Promise<boolean>;
  /** Deletes `nodeId`'s lease if `claimer` still holds the claim (its rows are recovered). */
  release(nodeId: string, claimer: string): Promise<void>;
  /** When `nodeId`'s lease expires (ms), or undefined when it has none. */
  expiresAt(nodeId: string): Promise<number | undefined>;
}

/** Retention: deletes old generation records, keeping their usage in per-key daily rollups. */
export interface RetentionStore {
  /**
   * In one transaction, deletes up to `limit` of the oldest records created before `beforeIso`
   * and adds their usage to the rollups; returns how many it deleted (0 = nothing left, or
   * another node is purging right now).
   */
  purgeBatch(beforeIso: string, limit: number): Promise<number>;
}

/** A key's usage and BYOK usage all time and since each start, in one snapshot. */
export interface KeyWindowSums {
  /** Σ usage: all time, then since each start, in order. */
  usage: bigint[];
  /** Σ upstream cost of BYOK generations, likewise. */
  byok: bigint[];
}

/** Filters of the generations log; null = not filtered. All are AND-ed. */
export interface GenerationFilter {
  keyHash: string | null;
  /** `created_at` ≥ this ISO instant. */
  sinceIso: string | null;
  /** `created_at` < this ISO instant. */
  beforeIso: string | null;
  model: string | null;
  providerName: string | null;
  externalUser: string | null;
  sessionId: string | null;
  apiType: string | null;
  outcome: GenerationOutcomeKind | null;
  /** `usage` ≥ this, pico-USD. */
  minCostPico: bigint | null;
}

/** Where a page of the log ends: the last row's (created_at, id). */
export interface GenerationCursor {
  createdAt: string;
  id: string;
}

/** One row of the generations log. */
export interface ListedGeneration {
  id: string;
  createdAt: string;
  /** The record's JSON, as `GET /generation` returns it under `data`. */
  record: string;
}

/** Summed usage: money in pico-USD, token counts native (billed). */
export interface UsageMeasures {
  usagePico: bigint;
  byokUsagePico: bigint;
  requests: bigint;
  promptTokens: bigint;
  completionTokens: bigint;
  reasoningTokens: bigint;
}

/** One `/activity` row: a UTC day × model × provider × endpoint ('' when unknown). */
export interface ActivityRow extends UsageMeasures {
  day: string;
  model: string;
  providerName: string;
  endpointId: string;
}

/** A usage summary request over whole periods [`sincePeriod`, `beforePeriod`). */
export interface SummaryQuery {
  grain: 'd' | 'h';
  groupBy: 'key' | 'external_user' | 'model' | 'provider';
  /** `YYYY-MM-DD` (day) or `YYYY-MM-DDTHH` (hour). */
  sincePeriod: string;
  beforePeriod: string;
  /** Only this key's usage; null = every key. */
  keyHash: string | null;
}

/** One usage summary row: a period × one value of the grouping ('' = unknown provider). */
export interface UsageSummaryRow extends UsageMeasures {
  period: string;
  group: string;
}

/** The generations log and the usage rollups (reads only; the rollups are written on insert). */
export interface ReportStore {
  /** Up to `limit` records matching `filter`, newest first, strictly after `after`. */
  listGenerations(
    filter: GenerationFilter,
    after: GenerationCursor | null,
    limit: number,
  ): Promise<ListedGeneration[]>;
  /** Usage per day × model × provider × endpoint for days in [`sinceDay`, `beforeDay`). */
  activity(sinceDay: string, beforeDay: string): Promise<ActivityRow[]>;
  summary(query: SummaryQuery): Promise<UsageSummaryRow[]>;
}

/** An OAuth PKCE authorization code as stored: the code itself never, only its SHA-256. */
export interface AuthCodeRow {
  codeHash: string;
  appId: number;
  /** Where the app receives the code; null in the headless flow. */
  callbackUrl: string | null;
  codeChallenge: string | null;
  codeChallengeMethod: 'S256' | 'plain' | null;
  /** The `name` of the key the exchange creates. */
  keyName: string;
  limitPico: bigint | null;
  limitReset: 'daily' | 'weekly' | 'monthly' | null;
  keyExpiresAt: string | null;
  workspaceId: string;
  creatorUserId: string | null;
  /** The management key that approved (or created) the code. */
  approvedByKeyHash: string;
  createdAt: string;
  /** ISO time after which the code is refused (10 minutes after `createdAt`). */
  expiresAt: string;
}

/** OAuth authorization codes: single-use, short-lived, shared by every node. */
export interface AuthCodeStore {
  /** Stores a code, and deletes the codes that expired before `nowIso`. */
  insert(row: AuthCodeRow, nowIso: string): Promise<void>;
  /**
   * Deletes the code and returns it, atomically: of two concurrent takes (on any nodes) one gets
   * the row, the other undefined. Undefined also for an unknown code.
   */
  take(codeHash: string): Promise<AuthCodeRow | undefined>;
}

/** The storage the gateway sees: small and domain-shaped. */
export interface Storage {
  readonly dialect: 'sqlite' | 'postgres';
  readonly generations: GenerationStore;
  readonly apiKeys: ApiKeyStore;
  readonly credits: CreditStore;
  readonly inflight: InflightStore;
  readonly nodeLeases: NodeLeaseStore;
  readonly retention: RetentionStore;
  readonly reports: ReportStore;
  readonly authCodes: AuthCodeStore;
  /**
   * Why durable writes stopped for good — a failed fdatasync of the SQLite WAL, after which no
   * later write is acknowledged until a restart (decision 0031) — or null. `GET /ready` reports it.
   */
  writeFailure(): Error | null;
  close(): Promise<void>;
}
