import type { Kysely } from 'kysely';

/**
 * `node_leases.holder`: which process holds a node's lease (decision 0052), so that a second
 * process started with the same node id — two gateways on one host and one SQLite file without
 * `TOLLGATE_NODE_ID` — is refused instead of finishing the first one's live streams as
 * cancelled. Null for leases written before this migration (taken by the next holder).
 */
export async function up(database: Kysely<unknown>): Promise<void> {
  await database.schema.alterTable('node_leases').addColumn('holder', 'text').execute();
}

/** Drops the column. */
export async function down(database: Kysely<unknown>): Promise<void> {
  await database.schema.alterTable('node_leases').dropColumn('holder').execute();
}
