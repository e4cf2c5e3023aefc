import {
  CompiledQuery,
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  Kysely,
  PostgresAdapter,
  PostgresDialect,
  type PostgresDialectConfig,
  PostgresDriver,
  sql,
  type TransactionSettings,
} from 'kysely';
import pg from 'pg';
import { DEFAULTS } from '../../config/defaults.js';
import type { Database } from '../database.js';

/** Options of the PostgreSQL dialect. */
export interface PostgresOptions {
  /** `postgres://user:password@host:port/database` (libpq URL; `?sslmode=…` is honoured). */
  url: string;
  /** Connections per gateway node (default 10). */
  poolSize?: number;
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

/**
 * Opens a `pg` pool. Its sessions keep the server's `synchronous_commit`: the durability level
 * `process` is applied per transaction ({@link createAsyncCommitKysely}), not by a startup option,
 * which PgBouncer refuses (decision 0038).
 */
export function createPostgresPool(options: PostgresOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? DEFAULTS.postgresPoolSize,
    types: TYPES,
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

/** Makes the commit of the transaction it runs in skip the WAL flush; ends with the transaction. */
const ASYNC_COMMIT = 'set local synchronous_commit = off';

/**
 * Kysely's PostgreSQL driver whose transactions commit with `synchronous_commit=off`: `BEGIN` and
 * `SET LOCAL` go out as one simple-protocol query (no parameters: node-postgres sends it as one
 * Query message), so it costs no round trip more than a plain `BEGIN`. Being `LOCAL`, the setting
 * never outlives the transaction, so a pooler's server connection goes back to its next client as
 * it came. It does not own the pool: `destroy()` leaves it open.
 */
class AsyncCommitDriver extends PostgresDriver {
  override async beginTransaction(
    connection: DatabaseConnection,
    settings: TransactionSettings,
  ): Promise<void> {
    if (settings.isolationLevel === undefined && settings.accessMode === undefined) {
      await connection.executeQuery(CompiledQuery.raw(`begin; ${ASYNC_COMMIT}`));
      return;
    }
    await super.beginTransaction(connection, settings);
    await connection.executeQuery(CompiledQuery.raw(ASYNC_COMMIT));
  }

  override async destroy(): Promise<void> {
    // The pool belongs to the storage's main Kysely, whose destroy() ends it.
  }
}

/** The PostgreSQL dialect with {@link AsyncCommitDriver}. */
class AsyncCommitDialect extends PostgresDialect {
  readonly #config: PostgresDialectConfig;

  constructor(config: PostgresDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new AsyncCommitDriver(this.#config);
  }
}

/**
 * Kysely over `pool` (shared with the storage's main Kysely) whose every transaction commits with
 * `synchronous_commit=off`: the hot writes at durability `process`. A returned commit is on the
 * server, in its WAL buffers; a crash of the database server may lose its last ~0.6 s of commits
 * (3 × `wal_writer_delay`), a crash of the gateway nothing (decisions 0023, 0038). Statements run
 * outside a transaction commit as the session's setting says. Never end the pool through it.
 */
export function createAsyncCommitKysely(pool: pg.Pool): Kysely<Database> {
  return new Kysely<Database>({ dialect: new AsyncCommitDialect({ pool }) });
}

/** `pg_advisory_xact_lock` key of the migrations: the ASCII bytes of "tollgate" as an int8. */
export const MIGRATION_LOCK_KEY = 8390043843661231205n;

/**
 * Kysely's PostgreSQL adapter with its migration lock scoped to the transaction it runs in
 * (`pg_advisory_xact_lock`, released by the commit or rollback). Kysely 0.28's own is a
 * session-level `pg_advisory_lock` and `pg_advisory_unlock` around its transaction, which a
 * transaction-mode pooler (PgBouncer) may run on two different server connections, leaving the
 * lock held on a pooled one for good (decision 0035).
 */
class TransactionLockAdapter extends PostgresAdapter {
  override async acquireMigrationLock(database: Kysely<unknown>): Promise<void> {
    // Taken again (it is re-entrant): the migrator runs inside withMigrationLock's transaction.
    await sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY.toString()}::bigint)`.execute(
      database,
    );
  }

  override async releaseMigrationLock(): Promise<void> {
    // The transaction's end releases it.
  }
}

/** The PostgreSQL dialect with {@link TransactionLockAdapter}. */
class TransactionLockDialect extends PostgresDialect {
  override createAdapter(): DialectAdapter {
    return new TransactionLockAdapter();
  }
}

/**
 * Runs `work` in one transaction (READ COMMITTED) that first takes the transaction-level advisory
 * lock {@link MIGRATION_LOCK_KEY}, with a Kysely bound to that transaction's connection (so a pool
 * of size 1 cannot deadlock), and commits it; any error rolls it back. Nodes starting at once
 * queue on the lock: the first migrates, and the others, each statement seeing what committed
 * before it, then find nothing to do. The lock also covers Kysely creating its bookkeeping tables,
 * which two concurrent `CREATE TABLE IF NOT EXISTS` race on. Nothing outlives the transaction, so
 * it works the same directly and through a transaction-mode pooler. `work` must not open
 * transactions of its own (the migrator runs with `disableTransactions`).
 */
export async function withMigrationLock(
  pool: pg.Pool,
  work: (database: Kysely<Database>) => Promise<void>,
): Promise<void> {
  const client = await pool.connect();
  let broken: unknown;
  try {
    // READ COMMITTED whatever the server's default: under REPEATABLE READ the snapshot would be
    // the lock statement's, taken before the node that held the lock committed its migrations.
    await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
    try {
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
      // Kysely releases a connection after each use; this one stays ours until the commit.
      const single = { connect: async () => ({ query: client.query.bind(client), release() {} }) };
      await work(
        new Kysely<Database>({
          dialect: new TransactionLockDialect({ pool: single as unknown as pg.Pool }),
        }),
      );
      await client.query('COMMIT');
    } catch (error) {
      // Best effort: the connection is discarded below anyway, which ends the transaction.
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  } catch (error) {
    broken = error;
    throw error;
  } finally {
    client.release(broken instanceof Error ? broken : broken === undefined ? undefined : true);
  }
}
