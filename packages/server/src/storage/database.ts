import type { ColumnType } from 'kysely';

/** Integers that may exceed 2^53 (money): bigint in, bigint or number or string out. */
type BigIntColumn = ColumnType<bigint | number | string, bigint, bigint>;
/** 0/1 flags as SQLite and PostgreSQL both store them. */
type FlagColumn = ColumnType<number | bigint, number, number>;

/** `api_keys`: one row per API key; the secret itself is never stored, only its SHA-256. */
export interface ApiKeyTable {
  hash: string;
  name: string;
  label: string;
  is_management: FlagColumn;
  disabled: FlagColumn;
  limit_pico: BigIntColumn | null;
  limit_reset: string | null;
  include_byok_in_limit: FlagColumn;
  workspace_id: string;
  creator_user_id: string | null;
  created_at: string;
  updated_at: string | null;
  expires_at: string | null;
  rate_limit_requests: number | bigint | null;
  rate_limit_interval_seconds: number | bigint | null;
  /** 1 / 0 overrides the config's `store_content`; null follows it. */
  store_content: number | bigint | null;
  /** 1 for a bootstrap management key (TOLLGATE_ADMIN_KEY or the first start's); default 0. */
  bootstrap: ColumnType<number | bigint, number | undefined, number>;
}

/** `credit_grants`: operator-granted credit; the balance is Σ grants − Σ generation usage. */
export interface CreditGrantTable {
  id: string;
  amount_pico: BigIntColumn;
  note: string | null;
  created_at: string;
}

/** `generations`: the immutable generation records, money columns for the ledger. */
export interface GenerationTable {
  id: string;
  key_hash: string;
  request_id: string;
  created_at: string;
  model: string;
  provider_name: string | null;
  api_type: string | null;
  is_byok: FlagColumn;
  cancelled: FlagColumn;
  usage_pico: BigIntColumn;
  total_cost_pico: BigIntColumn;
  upstream_cost_pico: BigIntColumn | null;
  record_version: number;
  /** The record's `external_user` (a filter of the generations log). */
  external_user: string | null;
  /** The record's `session_id` (a filter of the generations log). */
  session_id: string | null;
  /** `ok`, `error` (finish reason `error`) or `cancelled`; null only before migration 0008. */
  outcome: string | null;
  /** The wire record (`data` of `GET /generation`) as JSON, serialized once at commit. */
  record: string;
}

/**
 * `inflight_generations`: a generation whose id a client may hold before its record is committed
 * (ledger/inflight-journal.ts); removed in the transaction that commits the record.
 */
export interface InflightTable {
  id: string;
  node_id: string;
  key_hash: string;
  created_at: string;
  facts_version: number;
  /** The facts known before the outcome, as JSON (bigints tagged), serialized by the journal. */
  facts: string;
  /** Completion text bytes relayed at the last checkpoint; null before the first (0006). */
  relayed_bytes: ColumnType<bigint | number | string | null, never, bigint>;
}

/** `node_leases`: each node's lease; rows of a node whose lease expired are recovered by others. */
export interface NodeLeaseTable {
  node_id: string;
  /** Wall-clock ms (the renewing node's clock) after which the node counts as dead. */
  expires_at_ms: BigIntColumn;
  /** The node recovering this one's rows (null while the node itself renews its lease). */
  claimed_by: string | null;
  /** The process holding the lease (ledger/lease-holder.ts), null when written before 0012. */
  holder: string | null;
}

/**
 * `usage_rollups`: per key and UTC day (`day` = `YYYY-MM-DDT00:00:00.000Z`), the usage of the
 * generation records retention deleted; every usage sum adds them.
 */
export interface UsageRollupTable {
  key_hash: string;
  day: string;
  usage_pico: BigIntColumn;
  /** Σ upstream cost of the deleted BYOK records (their keys' `byok_usage`). */
  byok_usage_pico: BigIntColumn;
  generations: BigIntColumn;
}

/** The measures of a usage rollup row (money in pico-USD). */
interface RollupMeasures {
  usage_pico: BigIntColumn;
  /** Σ upstream cost of BYOK records (billed to the key owner's own provider account). */
  byok_usage_pico: BigIntColumn;
  requests: BigIntColumn;
  /** Native (billed) token counts. */
  prompt_tokens: BigIntColumn;
  completion_tokens: BigIntColumn;
  reasoning_tokens: BigIntColumn;
}

/**
 * `usage_by_model`: committed usage per `grain` ('d' = UTC day, `period` `YYYY-MM-DD`; 'h' = UTC
 * hour, `period` `YYYY-MM-DDTHH`) × key × model × provider × endpoint ('' when unknown).
 * Maintained in the records' insert transaction; retention never deletes it.
 */
export interface UsageByModelTable extends RollupMeasures {
  grain: string;
  period: string;
  key_hash: string;
  model: string;
  provider_name: string;
  endpoint_id: string;
}

/** `usage_by_endpoint`: as {@link UsageByModelTable} without the key, per day only (`/activity`). */
export interface UsageByEndpointTable extends RollupMeasures {
  grain: string;
  period: string;
  model: string;
  provider_name: string;
  endpoint_id: string;
}

/** `usage_by_user`: as {@link UsageByModelTable}, per key × `external_user` (records that set one). */
export interface UsageByUserTable extends RollupMeasures {
  grain: string;
  period: string;
  key_hash: string;
  external_user: string;
}

/** `generation_content`: a record's prompt and output (deflated JSON), when stored; purged with it. */
export interface GenerationContentTable {
  id: string;
  content: Uint8Array;
}

/** `auth_codes`: OAuth PKCE authorization codes, by the SHA-256 of the code (decision 0021). */
export interface AuthCodeTable {
  code_hash: string;
  app_id: BigIntColumn;
  callback_url: string | null;
  code_challenge: string | null;
  code_challenge_method: string | null;
  key_name: string;
  limit_pico: BigIntColumn | null;
  limit_reset: string | null;
  key_expires_at: string | null;
  workspace_id: string;
  creator_user_id: string | null;
  approved_by_key_hash: string;
  created_at: string;
  expires_at: string;
}

/** The Kysely database schema. */
export interface Database {
  api_keys: ApiKeyTable;
  generations: GenerationTable;
  credit_grants: CreditGrantTable;
  inflight_generations: InflightTable;
  node_leases: NodeLeaseTable;
  usage_rollups: UsageRollupTable;
  usage_by_model: UsageByModelTable;
  usage_by_endpoint: UsageByEndpointTable;
  usage_by_user: UsageByUserTable;
  generation_content: GenerationContentTable;
  auth_codes: AuthCodeTable;
}
