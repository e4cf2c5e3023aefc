import { type Kysely, sql } from 'kysely';

/**
 * `api_keys.bootstrap`: 1 for a key that TOLLGATE_ADMIN_KEY (or the first start) made the bootstrap
 * management key, so a start with a new value can revoke the previous one (decision 0019). Keys
 * made before this column existed are recognized as the gateway wrote them: management keys named
 * `bootstrap` (the API never creates management keys).
 */
export async function up(database: Kysely<unknown>): Promise<void> {
  await database.schema
    .alterTable('api_keys')
    .addColumn('bootstrap', 'integer', (column) => column.notNull().defaultTo(0))
    .execute();
  await sql`UPDATE api_keys SET bootstrap = 1 WHERE is_management = 1 AND name = 'bootstrap'`.execute(
    database,
  );
}

/** Drops what {@link up} added. */
export async function down(database: Kysely<unknown>): Promise<void> {
  await database.schema.alterTable('api_keys').dropColumn('bootstrap').execute();
}
