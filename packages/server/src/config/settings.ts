import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { ConfigFile } from './config-schema.js';
import { DEFAULTS } from './defaults.js';
import { DURABILITY_LEVELS, type Durability } from './durability.js';
import { ConfigError, loadConfigFile } from './load-config.js';

/** A process environment (`process.env`, or a test's own record). */
export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Where state lives: a SQLite file (one node) or a PostgreSQL database (any number of nodes);
 * unset fields take {@link DEFAULTS}.
 */
export type StorageConfig =
  | { kind: 'sqlite'; path: string; durability?: Durability }
  | {
      kind: 'postgres';
      /** What a returned commit survives (default `power`). */
      durability?: Durability;
      /** `postgres://…` connection URL (a secret: it may hold a password). */
      url: string;
      /** Connections per node (default 10). */
      poolSize?: number;
      /**
       * Run the hottest read as a named prepared statement (default true); false behind a pooler
       * in transaction mode, such as PgBouncer, which loses named statements between transactions.
       */
      preparedStatements?: boolean;
    };

/** {@link StorageConfig} with every field set. */
export type StorageSettings =
  | { kind: 'sqlite'; path: string; durability: Durability }
  | {
      kind: 'postgres';
      url: string;
      poolSize: number;
      durability: Durability;
      preparedStatements: boolean;
    };

/** Redis shared by every node for rate limits and credit holds (decision 0008). */
export interface RedisSettings {
  /** `redis://…` or `rediss://…` (a secret: it may hold a password). */
  url: string;
  /** Prefix of every key Tollgate writes. */
  keyPrefix: string;
  /** Rate limiting while Redis is unreachable: `closed` answers 503, `open` lets requests pass. */
  failure: NonNullable<ConfigFile['redis_failure']>;
}

/** In-flight journal timings (decision 0017). */
export interface InflightSettings {
  /** Checkpoint interval of relayed completion text (ms); 0 = off. */
  checkpointIntervalMs: number;
  /** Node lease (ms): a node that has not renewed it for this long is recovered by others. */
  nodeLeaseMs: number;
  /** Longest wait of a lookup for the record of an id still in flight (ms); 0 = no wait. */
  lookupWaitMs: number;
}

/** Admission control of the inference routes (decision 0012). */
export interface AdmissionLimits {
  /** Inference requests served at once (config `max_concurrent_requests`). */
  maxConcurrent: number;
  /** Inference requests that may wait for a slot (config `max_queue`); beyond it, 503. */
  maxQueue: number;
}

/** Bounds on what one client can hold of the HTTP server (config `http:`; decision 0018). */
export interface HttpLimits {
  /** Request line and headers must arrive within this many ms (`http.headers_timeout_ms`). */
  headersTimeoutMs: number;
  /** The whole request, body included, must arrive within this many ms (`http.request_timeout_ms`). */
  requestTimeoutMs: number;
  /** Open connections per client address; 0 = unlimited (`http.max_connections_per_address`). */
  maxConnectionsPerAddress: number;
}

/** Everything a gateway process runs with, every value resolved and defaulted. */
export interface Settings {
  /** The config file as parsed (providers, models, BYOK: the catalog's input); null = the demo. */
  config: ConfigFile | null;
  /** The file `config` was read from (`TOLLGATE_CONFIG`), or null when it was given or absent. */
  configPath: string | null;
  port: number;
  host: string;
  logLevel: LogLevel;
  /** Directory of the SQLite file when no PostgreSQL URL is set. */
  dataDir: string;
  /** The bootstrap management key, or null (one is generated on the first start). */
  adminKey: string | null;
  /** On close, how long in-flight requests may take before their connections are cut (ms). */
  drainTimeoutMs: number;
  /** Owner of this node's in-flight journal rows; default host name + digest of the storage. */
  nodeId: string;
  storage: StorageSettings;
  /** Null: limits are kept in this process only. */
  redis: RedisSettings | null;
  inflight: InflightSettings;
  admission: AdmissionLimits;
  http: HttpLimits;
  /** Recorded as each record's `data_region`. */
  dataRegion: string;
  /** Keep prompts and completions with records unless a key says otherwise. */
  storeContent: boolean;
  /** Days records are kept; null = forever. */
  retentionDays: number | null;
  /** Request-rate limit of keys without their own; null = unlimited. */
  defaultRateLimit: { requests: number; intervalSeconds: number } | null;
  /** Origins browser pages may call the API from; null = any (`*`). */
  corsOrigins: readonly string[] | null;
  /** Origins besides loopback that OAuth codes may be sent to (decision 0021). */
  oauthCallbackOrigins: readonly string[];
  metrics: { enabled: boolean; token: string | null };
}

/** What a program starting a gateway sets itself (tests, embedders); it wins over everything. */
export interface SettingsOverrides {
  /** The file `config` was read from. */
  configPath?: string | undefined;
  port?: number | undefined;
  host?: string | undefined;
  dataDir?: string | undefined;
  storage?: StorageConfig | undefined;
  adminKey?: string | undefined;
  drainTimeoutMs?: number | undefined;
  nodeId?: string | undefined;
}

/** pino's levels, and `silent`. */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** One of pino's levels. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The environment's part, parsed: undefined = not set (an empty value counts as not set). */
interface FromEnvironment {
  port: number | undefined;
  host: string | undefined;
  logLevel: LogLevel | undefined;
  dataDir: string | undefined;
  configPath: string | undefined;
  adminKey: string | undefined;
  drainTimeoutMs: number | undefined;
  nodeId: string | undefined;
  databaseUrl: string | undefined;
  durability: Durability | undefined;
  redisUrl: string | undefined;
  inflight: { [Key in keyof InflightSettings]: number | undefined };
}

const POSTGRES_URL = /^postgres(ql)?:\/\//;
const REDIS_URL = /^rediss?:\/\//;

/** The value of `name`, or undefined when unset or empty. */
function text(environment: Environment, name: string): string | undefined {
  const value = environment[name];
  return value === undefined || value === '' ? undefined : value;
}

/** An integer variable within bounds; `message` is the whole error (some name no bounds). */
function integer(
  environment: Environment,
  name: string,
  min: number,
  max: number,
  message = `${name} must be an integer from ${min} to ${max}`,
): number | undefined {
  const value = text(environment, name);
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max) {
    throw new ConfigError(`${message}, got "${value}"`);
  }
  return number;
}

/** One of `choices`, or undefined when unset. */
function oneOf<Choice extends string>(
  environment: Environment,
  name: string,
  choices: readonly Choice[],
): Choice | undefined {
  const value = text(environment, name);
  if (value === undefined) return undefined;
  const choice = choices.find((candidate) => candidate === value);
  if (choice === undefined) {
    throw new ConfigError(`${name} must be one of ${choices.join(', ')}, got "${value}"`);
  }
  return choice;
}

/** A `true` or `false` variable, or undefined when unset. */
function flag(environment: Environment, name: string): boolean | undefined {
  const value = oneOf(environment, name, ['true', 'false']);
  return value === undefined ? undefined : value === 'true';
}

/** A URL variable; the error never echoes the value, which may carry a password. */
function url(environment: Environment, name: string, pattern: RegExp, schemes: string) {
  const value = text(environment, name);
  if (value !== undefined && !pattern.test(value)) {
    throw new ConfigError(`${name} must be a ${schemes} URL`);
  }
  return value;
}

/** Reads and checks every environment variable of the table on {@link resolveSettings}. */
function readEnvironment(environment: Environment): FromEnvironment {
  const ms = (name: string, min: number, max: number) => integer(environment, name, min, max);
  return {
    port: integer(environment, 'PORT', 0, 65535),
    host: text(environment, 'HOST'),
    logLevel: oneOf(environment, 'LOG_LEVEL', LOG_LEVELS),
    dataDir: text(environment, 'TOLLGATE_DATA_DIR'),
    configPath: text(environment, 'TOLLGATE_CONFIG'),
    adminKey: text(environment, 'TOLLGATE_ADMIN_KEY'),
    drainTimeoutMs: integer(
      environment,
      'TOLLGATE_DRAIN_TIMEOUT_MS',
      0,
      Number.MAX_SAFE_INTEGER,
      'TOLLGATE_DRAIN_TIMEOUT_MS must be a non-negative integer',
    ),
    nodeId: text(environment, 'TOLLGATE_NODE_ID'),
    databaseUrl: url(environment, 'DATABASE_URL', POSTGRES_URL, 'postgres:// or postgresql://'),
    durability: oneOf(environment, 'TOLLGATE_DURABILITY', DURABILITY_LEVELS),
    redisUrl: url(environment, 'REDIS_URL', REDIS_URL, 'redis:// or rediss://'),
    inflight: {
      checkpointIntervalMs: ms('TOLLGATE_CHECKPOINT_INTERVAL_MS', 0, 3_600_000),
      nodeLeaseMs: ms('TOLLGATE_NODE_LEASE_MS', 300, 86_400_000),
      lookupWaitMs: ms('TOLLGATE_LOOKUP_WAIT_MS', 0, 60_000),
    },
  };
}

/**
 * A node id that is stable across restarts of the same node on the same data: the host name and
 * a digest of where the data lives (the SQLite file's absolute path, or the database URL —
 * digested, so no credential shows).
 */
export function defaultNodeId(storage: StorageConfig): string {
  const location = storage.kind === 'sqlite' ? resolve(storage.path) : storage.url;
  const digest = createHash('sha256').update(location).digest('hex').slice(0, 16);
  return `${hostname()}:${digest}`;
}

/** PostgreSQL when a URL is set (env `DATABASE_URL` wins over `database_url`), else SQLite. */
function resolveStorage(
  environment: Environment,
  fromEnvironment: FromEnvironment,
  config: ConfigFile | null,
  dataDir: string,
  override: StorageConfig | undefined,
): StorageSettings {
  const durability =
    override?.durability ?? fromEnvironment.durability ?? config?.durability ?? DEFAULTS.durability;
  if (override?.kind === 'sqlite') return { ...override, durability };
  if (override?.kind === 'postgres') {
    return {
      ...override,
      poolSize: override.poolSize ?? DEFAULTS.postgresPoolSize,
      durability,
      preparedStatements: override.preparedStatements ?? DEFAULTS.postgresPreparedStatements,
    };
  }
  const url = fromEnvironment.databaseUrl ?? config?.database_url;
  if (url === undefined) return { kind: 'sqlite', path: join(dataDir, 'tollgate.db'), durability };
  // Read only when PostgreSQL is selected: SQLite has no pool.
  const poolSize =
    integer(environment, 'DATABASE_POOL_SIZE', 1, 1000) ??
    config?.database_pool_size ??
    DEFAULTS.postgresPoolSize;
  const preparedStatements =
    flag(environment, 'DATABASE_PREPARED_STATEMENTS') ??
    config?.database_prepared_statements ??
    DEFAULTS.postgresPreparedStatements;
  return { kind: 'postgres', url, poolSize, durability, preparedStatements };
}

/** Redis when a URL is set (env `REDIS_URL` wins over `redis_url`), else null. */
function resolveRedis(
  fromEnvironment: FromEnvironment,
  config: ConfigFile | null,
): RedisSettings | null {
  const url = fromEnvironment.redisUrl ?? config?.redis_url;
  if (url === undefined) return null;
  return {
    url,
    keyPrefix: config?.redis_key_prefix ?? DEFAULTS.redis.keyPrefix,
    failure: config?.redis_failure ?? DEFAULTS.redis.failure,
  };
}

/** The config file's settings that no environment variable overrides. */
function fromConfigFile(config: ConfigFile | null) {
  const http = config?.http;
  return {
    admission: {
      maxConcurrent: config?.max_concurrent_requests ?? DEFAULTS.admission.maxConcurrent,
      maxQueue: config?.max_queue ?? DEFAULTS.admission.maxQueue,
    },
    http: {
      headersTimeoutMs: http?.headers_timeout_ms ?? DEFAULTS.http.headersTimeoutMs,
      requestTimeoutMs: http?.request_timeout_ms ?? DEFAULTS.http.requestTimeoutMs,
      maxConnectionsPerAddress:
        http?.max_connections_per_address ?? DEFAULTS.http.maxConnectionsPerAddress,
    },
    dataRegion: config?.data_region ?? DEFAULTS.dataRegion,
    storeContent: config?.store_content ?? DEFAULTS.storeContent,
    retentionDays: config?.retention_days ?? null,
    defaultRateLimit:
      config?.rate_limit === undefined
        ? null
        : {
            requests: config.rate_limit.requests,
            intervalSeconds: config.rate_limit.interval_seconds,
          },
    corsOrigins: config?.cors_origins ?? null,
    oauthCallbackOrigins: config?.oauth_callback_origins ?? [],
    metrics: {
      enabled: config?.metrics?.enabled ?? DEFAULTS.metricsEnabled,
      token: config?.metrics?.token ?? null,
    },
  };
}

/**
 * The settings of a gateway process, given its config file already read (`TOLLGATE_CONFIG` is
 * read by {@link loadSettings}): an option set by the program starting it wins, then the
 * environment, then the config file, then {@link DEFAULTS}. This is the only code that reads an
 * environment variable (besides `${VAR}` in the config file); a bad value is a `ConfigError`
 * naming the variable — never echoing a URL, which may carry a password.
 *
 * | Variable                          | Default             | Config key / meaning                   |
 * | --------------------------------- | ------------------- | -------------------------------------- |
 * | `PORT`                            | `8080`              | port to listen on (`0` = any free one) |
 * | `HOST`                            | `127.0.0.1`         | interface to bind                      |
 * | `LOG_LEVEL`                       | `info`              | pino level (`silent` … `trace`)        |
 * | `TOLLGATE_DATA_DIR`               | `./data`            | directory of the SQLite `tollgate.db`  |
 * | `TOLLGATE_CONFIG`                 | — (the demo)        | path of the YAML/JSON config file      |
 * | `TOLLGATE_ADMIN_KEY`              | — (generated)       | the bootstrap management key           |
 * | `TOLLGATE_DRAIN_TIMEOUT_MS`       | `30000`             | drain on SIGTERM before cutting        |
 * | `TOLLGATE_NODE_ID`                | host + storage hash | owner of the in-flight journal rows    |
 * | `DATABASE_URL`                    | — (SQLite)          | `database_url`                         |
 * | `DATABASE_POOL_SIZE`              | `10`                | `database_pool_size` (PostgreSQL only) |
 * | `DATABASE_PREPARED_STATEMENTS`    | `true`              | `database_prepared_statements` (PG)    |
 * | `TOLLGATE_DURABILITY`             | `power`             | `durability`                           |
 * | `REDIS_URL`                       | — (in memory)       | `redis_url`                            |
 * | `TOLLGATE_CHECKPOINT_INTERVAL_MS` | `1000`              | `inflight.checkpoint_interval_ms`      |
 * | `TOLLGATE_NODE_LEASE_MS`          | `30000`             | `inflight.node_lease_ms`               |
 * | `TOLLGATE_LOOKUP_WAIT_MS`         | `2000`              | `inflight.lookup_wait_ms`              |
 *
 * @example resolveSettings(process.env, parseConfig(document, process.env))
 */
export function resolveSettings(
  environment: Environment,
  config: ConfigFile | null,
  overrides: SettingsOverrides = {},
): Settings {
  const fromEnvironment = readEnvironment(environment);
  const dataDir = overrides.dataDir ?? fromEnvironment.dataDir ?? DEFAULTS.dataDir;
  const storage = resolveStorage(environment, fromEnvironment, config, dataDir, overrides.storage);
  return {
    config,
    configPath: overrides.configPath ?? null,
    port: overrides.port ?? fromEnvironment.port ?? DEFAULTS.port,
    host: overrides.host ?? fromEnvironment.host ?? DEFAULTS.host,
    logLevel: fromEnvironment.logLevel ?? DEFAULTS.logLevel,
    dataDir,
    adminKey: overrides.adminKey ?? fromEnvironment.adminKey ?? null,
    drainTimeoutMs:
      overrides.drainTimeoutMs ?? fromEnvironment.drainTimeoutMs ?? DEFAULTS.drainTimeoutMs,
    nodeId: overrides.nodeId ?? fromEnvironment.nodeId ?? defaultNodeId(storage),
    storage,
    redis: resolveRedis(fromEnvironment, config),
    inflight: {
      checkpointIntervalMs:
        fromEnvironment.inflight.checkpointIntervalMs ??
        config?.inflight?.checkpoint_interval_ms ??
        DEFAULTS.inflight.checkpointIntervalMs,
      nodeLeaseMs:
        fromEnvironment.inflight.nodeLeaseMs ??
        config?.inflight?.node_lease_ms ??
        DEFAULTS.inflight.nodeLeaseMs,
      lookupWaitMs:
        fromEnvironment.inflight.lookupWaitMs ??
        config?.inflight?.lookup_wait_ms ??
        DEFAULTS.inflight.lookupWaitMs,
    },
    ...fromConfigFile(config),
  };
}

/**
 * {@link resolveSettings} for the `tollgate` process: the environment is checked first, then the
 * config file named by `TOLLGATE_CONFIG` (if any) is read with `${VAR}` taken from it.
 */
export async function loadSettings(environment: Environment): Promise<Settings> {
  const configPath = readEnvironment(environment).configPath;
  if (configPath === undefined) return resolveSettings(environment, null);
  return resolveSettings(environment, await loadConfigFile(configPath, environment), {
    configPath,
  });
}
