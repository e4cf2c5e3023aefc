import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database } from '../database.js';

/** Options of the SQLite dialect. */
export interface SqliteOptions {
  /** File path, or `:memory:` (tests only: nothing survives the process). */
  path: string;
}

/**
 * Opens SQLite in WAL mode with `synchronous=FULL`: a commit is on disk when it returns, so a
 * record acknowledged before the response's last byte survives kill -9 and power loss alike.
 * Integers come back as bigint (money columns may exceed 2^53 pico-USD).
 */
export function createSqliteKysely(options: SqliteOptions): Kysely<Database> {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const database = new SqliteDatabase(options.path);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  database.pragma('busy_timeout = 5000');
  database.pragma('foreign_keys = ON');
  database.defaultSafeIntegers(true);
  return new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
}
