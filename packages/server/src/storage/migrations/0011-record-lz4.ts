import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * PostgreSQL: `generations.record` compressed with lz4 instead of pglz. A record (~2 KB of JSON)
 * passes the TOAST threshold, so every insert compresses it; pglz was about a fifth of the
 * database's CPU per durable write, lz4 costs a fraction of that and reads back faster (decision
 * 0046). Only the column's setting changes: no rewrite, existing values stay pglz and read as
 * before. A server built without lz4 keeps pglz. SQLite: nothing to do.
 */
export async function up(database: Kysely<unknown>): Promise<void> {
  if (!(database.getExecutor().adapter instanceof PostgresAdapter)) return;
  const { rows } = await sql<{ lz4: boolean }>`
    select 'lz4' = any(enumvals) as lz4 from pg_settings where name = 'default_toast_compression'
  `.execute(database);
  if (rows[0]?.lz4 !== true) return;
  await sql`alter table generations alter column record set compression lz4`.execute(database);
}

/** Puts pglz back for new values (values written as lz4 stay readable). */
export async function down(database: Kysely<unknown>): Promise<void> {
  if (!(database.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`alter table generations alter column record set compression pglz`.execute(database);
}
