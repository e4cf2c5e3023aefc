import type { Kysely } from 'kysely';

/** Creates `api_keys` and `generations`. One definition serves SQLite and PostgreSQL. */
export async function up(database: Kysely<unknown>): Promise<void> {
  await database.schema
    .createTable('api_keys')
    .addColumn('hash', 'text', (column) => column.primaryKey())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('label', 'text', (column) => column.notNull())
    .addColumn('is_management', 'integer', (column) => column.notNull())
    .addColumn('disabled', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('limit_pico', 'bigint')
    .addColumn('limit_reset', 'text')
    .addColumn('include_byok_in_limit', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('workspace_id', 'text', (column) => column.notNull())
    .addColumn('creator_user_id', 'text')
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('updated_at', 'text')
    .addColumn('expires_at', 'text')
    .execute();

  await database.schema
    .createTable('generations')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('key_hash', 'text', (column) => column.notNull())
    .addColumn('request_id', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('model', 'text', (column) => column.notNull())
    .addColumn('provider_name', 'text')
    .addColumn('api_type', 'text')
    .addColumn('is_byok', 'integer', (column) => column.notNull())
    .addColumn('cancelled', 'integer', (column) => column.notNull())
    .addColumn('usage_pico', 'bigint', (column) => column.notNull())
    .addColumn('total_cost_pico', 'bigint', (column) => column.notNull())
    .addColumn('upstream_cost_pico', 'bigint')
    .addColumn('record_version', 'integer', (column) => column.notNull())
    .addColumn('record', 'text', (column) => column.notNull())
    .execute();

  await database.schema
    .createIndex('generations_key_created')
    .on('generations')
    .columns(['key_hash', 'created_at'])
    .execute();
}

/** Drops what {@link up} created. */
export async function down(database: Kysely<unknown>): Promise<void> {
  await database.schema.dropTable('generations').execute();
  await database.schema.dropTable('api_keys').execute();
}
