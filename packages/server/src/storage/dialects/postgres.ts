import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { DEFAULTS } from '../../config/defaults.js';
import type { Durability } from '../../config/durability.js';
import type { Database } from '../database.js';

/** Options of the PostgreSQL dialect. */
export interface PostgresOptions {
  /** `postgres://user:password@host:port/database` (libpq URL; `?sslmode=…` is honoured). */
  url: string;
  /** Connections per gateway node (default 10). */
  poolSize?: number;
  /**
   * `power` (default): a commit returns once PostgreSQL has flushed its WAL (`synchronous_commit`
   * on). `process`: once PostgreSQL has it (`synchronous_commit=off`): a crash of the gateway loses
   * nothing, a crash of the database server may lose its last ~0.6 s of commits.
   */
  durability?: Durability;
}

/** PostgreSQL type OIDs whose text form we parse ourselves. */
const INT8_OID = 20;

/**
 * Type parsers of every connection: `int8` (BIGINT columns, `count(*)`) becomes a bigint, never a
 * lossy number (money in pico-USD passes 2^53 at ≈ $9,007). `numeric` (what `sum(bigint)` returns)
 * stays a string, which the storage converts with `BigInt`. The rest is pg's default.
 */
const TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID && format !== 'binary') return (text: string) => BigInt(text);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

/** Opens a `pg` pool whose commits are as durable as `options.durability` asks. */
export function createPostgresPool(options: PostgresOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? DEFAULTS.postgresPoolSize,
    types: TYPES,
    ...(options.durability === 'process' ? { options: '-c synchronous_commit=off' } : {}),
  });
  // An idle client whose server connection dies emits 'error' on the pool; without a listener
  // that would crash the process. The next query gets a fresh connection.
  pool.on('error', () => undefined);
  // A checked-out client (a Kysely transaction between two queries, the migration lock's session)
  // emits it on itself, where the pool listens only while the client is idle: every client gets
  // a listener for life. Its query fails on its own, and the pool discards the dead client when
  // it comes back.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  return pool;
}

/** Kysely over a `pg` pool; `destroy()` ends the pool. */
export function createPostgresKysely(pool: pg.Pool): Kysely<Database> {
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/** `pg_advisory_lock` key of the migrator: the ASCII bytes of "tollgate" as an int8. */
export const MIGRATION_LOCK_KEY = 8390043843661231205n;

/**
 * Runs `work` holding the session-level advisory lock {@link MIGRATION_LOCK_KEY} on one dedicated
 * connection, with a Kysely bound to that same connection (so a pool of size 1 cannot deadlock).
 * Nodes starting at once queue on the lock: the first migrates, the others then find nothing to do.
 * Kysely's own transaction-level lock does not cover creating its bookkeeping tables, which two
 * concurrent `CREATE TABLE IF NOT EXISTS` can race on.
 */
export async function withMigrationLock(
  pool: pg.Pool,
  work: (database: Kysely<Database>) => Promise<void>,
): Promise<void> {
  const client = await pool.connect();
  let broken: unknown;
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
    // Kysely releases a connection after each use; this one stays ours until the lock is released.
    const single = { connect: async () => ({ query: client.query.bind(client), release() {} }) };
    const database = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: single as unknown as pg.Pool }),
    });
    try {
      await work(database);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY.toString()]);
    }
  } catch (error) {
    broken = error;
    throw error;
  } finally {
    // A connection whose unlock may not have run is discarded, which ends its session and lock.
    client.release(broken instanceof Error ? broken : broken === undefined ? undefined : true);
  }
}
