import { join } from 'node:path';
import { DEFAULT_DURABILITY, DURABILITY_LEVELS, type Durability } from '../config/durability.js';
import { ConfigError } from '../config/load-config.js';
import type { StorageConfig } from './create-storage.js';

/** Where the storage settings come from, strongest first: environment, config file, defaults. */
export interface StorageSources {
  /** `DATABASE_URL`, `DATABASE_POOL_SIZE`, `TOLLGATE_DURABILITY`. */
  environment: Readonly<Record<string, string | undefined>>;
  /** The config file's `database_url` / `database_pool_size` (already `${VAR}`-interpolated). */
  config?: {
    database_url?: string | undefined;
    database_pool_size?: number | undefined;
    durability?: Durability | undefined;
  };
  /** The SQLite data directory, used when no PostgreSQL URL is set. */
  dataDir: string;
}

const POSTGRES_URL = /^postgres(ql)?:\/\//;

/**
 * PostgreSQL when `DATABASE_URL` (or the config's `database_url`) is set — env wins — else SQLite
 * at `<dataDir>/tollgate.db`. Errors never echo the URL: it may carry a password.
 */
export function resolveStorageConfig(sources: StorageSources): StorageConfig {
  const durability = resolveDurability(sources);
  const url = sources.environment['DATABASE_URL'] || sources.config?.database_url;
  if (url === undefined || url === '') {
    return { kind: 'sqlite', path: join(sources.dataDir, 'tollgate.db'), durability };
  }
  if (!POSTGRES_URL.test(url)) {
    throw new ConfigError('DATABASE_URL must be a postgres:// or postgresql:// URL');
  }
  const poolText = sources.environment['DATABASE_POOL_SIZE'];
  let poolSize = sources.config?.database_pool_size;
  if (poolText !== undefined && poolText !== '') {
    poolSize = Number(poolText);
    if (!Number.isInteger(poolSize) || poolSize < 1 || poolSize > 1000) {
      throw new ConfigError(
        `DATABASE_POOL_SIZE must be an integer from 1 to 1000, got "${poolText}"`,
      );
    }
  }
  return { kind: 'postgres', url, ...(poolSize === undefined ? {} : { poolSize }), durability };
}

/** `TOLLGATE_DURABILITY`, else the config's `durability`, else {@link DEFAULT_DURABILITY}. */
function resolveDurability(sources: StorageSources): Durability {
  const text = sources.environment['TOLLGATE_DURABILITY'];
  if (text === undefined || text === '') return sources.config?.durability ?? DEFAULT_DURABILITY;
  const level = DURABILITY_LEVELS.find((candidate) => candidate === text);
  if (level === undefined) {
    throw new ConfigError(
      `TOLLGATE_DURABILITY must be one of ${DURABILITY_LEVELS.join(', ')}, got "${text}"`,
    );
  }
  return level;
}
