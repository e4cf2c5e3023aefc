import { type Kysely, PostgresAdapter } from 'kysely';

/**
 * `generation_log` (SQLite only; nothing on PostgreSQL): records committed but not yet written
 * into `generations`, `generation_content` and the usage rollups. A commit of a few records
 * appends their rows here — one B-tree, appended at its end — instead of writing the record, its
 * secondary indexes and its rollups before the response's last byte; those are written shortly
 * after from the same rows, in a transaction that deletes them from here (decision 0044). The
 * columns are {@link GenerationRow}'s, so a restart rebuilds what a crash left here.
 */
export async function up(database: Kysely<unknown>): Promise<void> {
  if (database.getExecutor().adapter instanceof PostgresAdapter) return;
  await database.schema
    .createTable('generation_log')
    .addColumn('seq', 'integer', (column) => column.primaryKey())
    .addColumn('id', 'text', (column) => column.notNull())
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
    .addColumn('endpoint_id', 'text')
    .addColumn('external_user', 'text')
    .addColumn('session_id', 'text')
    .addColumn('outcome', 'text', (column) => column.notNull())
    .addColumn('prompt_tokens', 'integer', (column) => column.notNull())
    .addColumn('completion_tokens', 'integer', (column) => column.notNull())
    .addColumn('reasoning_tokens', 'integer', (column) => column.notNull())
    .addColumn('content', 'blob')
    .addColumn('record', 'text', (column) => column.notNull())
    .execute();
}

/** Drops what {@link up} created. */
export async function down(database: Kysely<unknown>): Promise<void> {
  if (database.getExecutor().adapter instanceof PostgresAdapter) return;
  await database.schema.dropTable('generation_log').execute();
}
