import type { Kysely } from 'kysely';

/**
 * In-flight checkpoints and node leases (docs/decisions/0017-checkpoints-and-node-leases.md):
 * `inflight_generations.relayed_bytes` is the completion text a stream had relayed at its last
 * checkpoint (null: none yet); `node_leases` holds each live node's lease, so surviving nodes can
 * recover the journal rows of a node whose lease expired. One definition serves both dialects.
 */
export async function up(database: Kysely<unknown>): Promise<void> {
  await database.schema
    .alterTable('inflight_generations')
    .addColumn('relayed_bytes', 'bigint')
    .execute();
  await database.schema
    .createTable('node_leases')
    .addColumn('node_id', 'text', (column) => column.primaryKey())
    .addColumn('expires_at_ms', 'bigint', (column) => column.notNull())
    .addColumn('claimed_by', 'text')
    .execute();
}

/** Drops what {@link up} created. */
export async function down(database: Kysely<unknown>): Promise<void> {
  await database.schema.dropTable('node_leases').execute();
  await database.schema.alterTable('inflight_generations').dropColumn('relayed_bytes').execute();
}
