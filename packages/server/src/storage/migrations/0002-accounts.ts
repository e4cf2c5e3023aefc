import type { Kysely } from 'kysely';

/** Credit grants (the account's balance is derived from them) and per-key rate limits. */
export async function up(database: Kysely<unknown>): Promise<void> {
  await database.schema
    .createTable('credit_grants')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('amount_pico', 'bigint', (column) => column.notNull())
    .addColumn('note', 'text')
    .addColumn('created_at', 'text', (column) => column.notNull())
    .execute();
  await database.schema
    .alterTable('api_keys')
    .addColumn('rate_limit_requests', 'integer')
    .execute();
  await database.schema
    .alterTable('api_keys')
    .addColumn('rate_limit_interval_seconds', 'integer')
    .execute();
  await database.schema
    .createIndex('generations_created_at')
    .on('generations')
    .columns(['created_at'])
    .execute();
}

/** Drops what {@link up} created. */
export async function down(database: Kysely<unknown>): Promise<void> {
  await database.schema.dropIndex('generations_created_at').execute();
  await database.schema.alterTable('api_keys').dropColumn('rate_limit_interval_seconds').execute();
  await database.schema.alterTable('api_keys').dropColumn('rate_limit_requests').execute();
  await database.schema.dropTable('credit_grants').execute();
}
