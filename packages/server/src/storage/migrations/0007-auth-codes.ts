import type { Kysely } from 'kysely';

/**
 * `auth_codes`: OAuth PKCE authorization codes (decision 0021). Only the code's SHA-256 is stored,
 * so a database read gives no usable code; rows live at most 10 minutes. One definition serves
 * SQLite and PostgreSQL.
 */
export async function up(database: Kysely<unknown>): Promise<void> {
  await database.schema
    .createTable('auth_codes')
    .addColumn('code_hash', 'text', (column) => column.primaryKey())
    .addColumn('app_id', 'bigint', (column) => column.notNull())
    .addColumn('callback_url', 'text')
    .addColumn('code_challenge', 'text')
    .addColumn('code_challenge_method', 'text')
    .addColumn('key_name', 'text', (column) => column.notNull())
    .addColumn('limit_pico', 'bigint')
    .addColumn('limit_reset', 'text')
    .addColumn('key_expires_at', 'text')
    .addColumn('workspace_id', 'text', (column) => column.notNull())
    .addColumn('creator_user_id', 'text')
    .addColumn('approved_by_key_hash', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('expires_at', 'text', (column) => column.notNull())
    .execute();
  await database.schema
    .createIndex('auth_codes_expires_at')
    .on('auth_codes')
    .columns(['expires_at'])
    .execute();
}

/** Drops what {@link up} created. */
export async function down(database: Kysely<unknown>): Promise<void> {
  await database.schema.dropTable('auth_codes').execute();
}
