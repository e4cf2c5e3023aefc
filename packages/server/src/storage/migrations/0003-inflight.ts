import type { Kysely } from 'kysely';

/**
 * `inflight_generations`: the journal of generations whose id a client may already hold but whose
 * record is not committed yet (a stream in progress). One definition serves SQLite and PostgreSQL.
 */
export async function up(database: Kysely<unknown>): Promise<void> {
  await database.schema
    .createTable('inflight_generations')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('node_id', 'text', (column) => column.notNull())
    .addColumn('key_hash', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('facts_version', 'integer', (column) => column.notNull())
    .addColumn('facts', 'text', (column) => column.notNull())
    .execute();
  await database.schema
    .createIndex('inflight_generations_node')
    .on('inflight_generations')
    .columns(['node_id', 'created_at'])
    .execute();
}

/** Drops what {@link up} created. */
export async function down(database: Kysely<unknown>): Promise<void> {
  await database.schema.dropTable('inflight_generations').execute();
}
