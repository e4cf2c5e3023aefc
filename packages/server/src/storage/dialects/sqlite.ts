import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect, type SqliteDatabase as SqliteDialectDatabase } from 'kysely';
import type { Durability } from '../../config/durability.js';
import type { Database } from '../database.js';

/** Options of the SQLite dialect. */
export interface SqliteOptions {
  /** File path, or `:memory:` (tests only: nothing survives the process). */
  path: string;
  /** What a returned commit survives (default `power`; docs/decisions/0023-durability-levels.md). */
  durability?: Durability;
}

/**
 * WAL pages before a commit checkpoints (SQLite's default is 1,000, ≈4 MB). A checkpoint runs on
 * the committing connection, the writer thread: at 1,000 pages it came every few hundred records
 * and was most of the thread's time; at 10,000 pages (≈40 MB of WAL at most) pages rewritten
 * between checkpoints (indexes, rollups) are copied once, not ten times (decision 0027).
 */
const WAL_AUTOCHECKPOINT_PAGES = 10_000;

/**
 * Page cache per connection, KiB (SQLite's default is 2,000). A group commit of a few hundred
 * records dirties more pages than that (2 KB records, eight indexes, rollups), and SQLite spilled
 * them to the WAL mid-transaction: 32 MiB made the writer's batches of 512 5-20 % cheaper
 * (decision 0027). Memory is taken only as pages are read.
 */
const CACHE_KIB = 32_768;

/** SQLite's `synchronous` setting per durability level, in WAL mode. */
const SYNCHRONOUS = { power: 'FULL', process: 'NORMAL' } as const satisfies Record<
  Durability,
  string
>;

/**
 * Opens SQLite in WAL mode. `power` (`synchronous=FULL`): a commit is on disk when it returns, so
 * a record acknowledged before the response's last byte survives kill -9 and power loss alike.
 * `process` (`synchronous=NORMAL`): a returned commit is in the WAL file (the OS page cache), so it
 * survives a crash or kill -9 of the gateway, not a power loss of the machine; the fsync happens
 * at checkpoints. Integers come back as bigint (money columns may exceed 2^53 pico-USD).
 */
export function createSqliteKysely(options: SqliteOptions): Kysely<Database> {
  return sqliteKysely(openSqliteDatabase(options));
}

/**
 * Opens the file of `options` with the settings {@link createSqliteKysely} describes. `walCheckpoints`
 * `external`: this connection's commits never checkpoint the WAL (another connection does, off the
 * event loop: storage/create-storage.ts, for a file at either durability).
 */
export function openSqliteDatabase(
  options: SqliteOptions,
  walCheckpoints: 'on-commit' | 'external' = 'on-commit',
): SqliteDatabase.Database {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const database = new SqliteDatabase(options.path);
  database.pragma('journal_mode = WAL');
  database.pragma(`synchronous = ${SYNCHRONOUS[options.durability ?? 'power']}`);
  database.pragma(
    `wal_autocheckpoint = ${walCheckpoints === 'external' ? 0 : WAL_AUTOCHECKPOINT_PAGES}`,
  );
  database.pragma(`cache_size = -${CACHE_KIB}`);
  database.pragma('busy_timeout = 5000');
  database.pragma('foreign_keys = ON');
  database.defaultSafeIntegers(true);
  return database;
}

/**
 * Kysely over an open connection (the write path runs its own prepared statements on the same
 * connection: storage/sqlite-write-batch.ts); `destroy()` closes the connection.
 */
export function sqliteKysely(database: SqliteDatabase.Database): Kysely<Database> {
  return new Kysely<Database>({
    dialect: new SqliteDialect({ database: cachingStatements(database) }),
  });
}

/** Distinct SQL texts kept prepared; beyond it the cache starts over (it never grows unbounded). */
const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely's SQLite driver prepares every query anew; preparing was ~10 % of a lookup's CPU
 * (bench --profile). The gateway's queries come from a few builders, so their SQL texts repeat:
 * keep each one prepared. Safe because better-sqlite3 runs a statement to completion synchronously.
 */
function cachingStatements(database: SqliteDatabase.Database): SqliteDialectDatabase {
  const statements = new Map<string, SqliteDatabase.Statement>();
  return {
    prepare(sql: string) {
      let statement = statements.get(sql);
      if (statement === undefined) {
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.clear();
        statement = database.prepare(sql);
        statements.set(sql, statement);
      }
      return statement;
    },
    close() {
      statements.clear();
      database.close();
    },
  };
}
