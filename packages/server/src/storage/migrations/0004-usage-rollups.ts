import type { Kysely } from 'kysely';

/**
 * `usage_rollups`: per key and UTC day, the usage of generation records that retention deleted,
 * so usage sums (limits, balances) are unchanged by retention; `byok_usage_pico` keeps the
 * upstream cost of their BYOK records (the keys' `byok_usage`). One definition serves both dialects.
 */
export async function up(database: Kysely<unknown>): Promise<void> {
  await database.schema
    .createTable('usage_rollups')
    .addColumn('key_hash', 'text', (column) => column.notNull())
    .addColumn('day', 'text', (column) => column.notNull())
    .addColumn('usage_pico', 'bigint', (column) => column.notNull())
    .addColumn('byok_usage_pico', 'bigint', (column) => column.notNull().defaultTo(0))
    .addColumn('generations', 'bigint', (column) => column.notNull())
    .addPrimaryKeyConstraint('usage_rollups_pk', ['key_hash', 'day'])
    .execute();
}

/** Drops what {@link up} created. */
export async function down(database: Kysely<unknown>): Promise<void> {
  await database.schema.dropTable('usage_rollups').execute();
}
