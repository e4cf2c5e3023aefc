import type pg from 'pg';
import type { Storage, StoredGeneration } from './storage.js';

/** The lookup by id: the generation's owner, its record version and the record itself. */
const BY_ID_TEXT = 'select key_hash, record_version, record from generations where id = $1';

/**
 * The lookup as a named prepared statement: each pooled connection parses and plans it once, then
 * only binds the id (and Kysely's executor stays off the hottest read).
 */
const NAMED_BY_ID: Omit<pg.QueryArrayConfig<[string]>, 'values'> = {
  name: 'tollgate_generation_by_id',
  text: BY_ID_TEXT,
  rowMode: 'array',
};

/**
 * The same lookup unnamed: parsed and planned on every call, but it leaves nothing on the server
 * connection, so it works behind a pooler in transaction mode (PgBouncer), which hands each
 * transaction whichever server connection is free and would lose or collide a named statement.
 */
const UNNAMED_BY_ID: Omit<pg.QueryArrayConfig<[string]>, 'values'> = {
  text: BY_ID_TEXT,
  rowMode: 'array',
};

/** How {@link withPostgresLookups} runs its statements. */
export interface PostgresLookupOptions {
  /** Named prepared statements (true) or unnamed ones (false; behind a transaction pooler). */
  preparedStatements: boolean;
}

/**
 * Answers `storage.generations.get` (`GET /generation`, the hottest read) on the storage's own
 * pool, as a named prepared statement unless `options.preparedStatements` is false
 * (docs/decisions/0028-benchmark-judge.md, 0032-postgres-prepared-statements-switch.md).
 */
export function withPostgresLookups(
  storage: Storage,
  pool: pg.Pool,
  options: PostgresLookupOptions,
): Storage {
  const byId = options.preparedStatements ? NAMED_BY_ID : UNNAMED_BY_ID;
  const get = async (id: string): Promise<StoredGeneration | undefined> => {
    // PostgreSQL rejects NUL in text: such an id is never stored.
    if (id.includes('\u0000')) return undefined;
    const { rows } = await pool.query<[string, number, string], [string]>({
      ...byId,
      values: [id],
    });
    const row = rows[0];
    if (row === undefined) return undefined;
    return { keyHash: row[0], recordVersion: Number(row[1]), record: row[2] };
  };
  return { ...storage, generations: { ...storage.generations, get } };
}
