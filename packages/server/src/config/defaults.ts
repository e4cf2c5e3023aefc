/**
 * Every default of the gateway's settings, in one place (docs/decisions/0026-layers-and-settings.md):
 * what applies when neither an option, the environment nor the config file sets a value. Read by
 * `resolveSettings` (settings.ts), by the config schema's cross-field checks and by the few
 * constructors that take an optional setting; no module keeps a default of its own.
 */
export const DEFAULTS = {
  /** `PORT`. */
  port: 8080,
  /** `HOST`: loopback; exposing the gateway is a deliberate `0.0.0.0`. */
  host: '127.0.0.1',
  /** `TOLLGATE_DATA_DIR`: where the SQLite file `tollgate.db` lives. */
  dataDir: './data',
  /** `LOG_LEVEL`. */
  logLevel: 'info',
  /** `TOLLGATE_DRAIN_TIMEOUT_MS`: how long in-flight requests may run after SIGTERM. */
  drainTimeoutMs: 30_000,
  /** `TOLLGATE_DURABILITY` / `durability` (decision 0023). */
  durability: 'power',
  /** `DATABASE_POOL_SIZE` / `database_pool_size`: PostgreSQL connections per node. */
  postgresPoolSize: 10,
  /**
   * `DATABASE_PREPARED_STATEMENTS` / `database_prepared_statements`: the hottest PostgreSQL read
   * runs as a named prepared statement (off behind a transaction-mode pooler; decision 0032).
   */
  postgresPreparedStatements: true,
  /** `redis_key_prefix` and `redis_failure` (decision 0008). */
  redis: { keyPrefix: 'tollgate:', failure: 'closed' },
  /** `TOLLGATE_*_MS` / `inflight:` (decision 0017): checkpoint every 1 s, lease 30 s, wait 2 s. */
  inflight: { checkpointIntervalMs: 1000, nodeLeaseMs: 30_000, lookupWaitMs: 2000 },
  /** `max_concurrent_requests`, `max_queue`: never refuse a fresh install at normal load (0012). */
  admission: { maxConcurrent: 1024, maxQueue: 4096 },
  /** `http:`: generous for real clients, finite for a flood (decision 0018, docs/deployment.md). */
  http: { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, maxConnectionsPerAddress: 1024 },
  /** `data_region`, recorded with each record (the schema fills it in the parsed file). */
  dataRegion: 'global',
  /** `store_content`: records keep no prompt or completion unless asked. */
  storeContent: false,
  /** `metrics.enabled`: `GET /metrics` is served. */
  metricsEnabled: true,
} as const;
