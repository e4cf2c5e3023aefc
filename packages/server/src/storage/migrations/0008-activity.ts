import { type Kysely, PostgresAdapter, sql } from 'kysely';

/** The grouping columns of `usage_by_model` after `grain` and `period`. */
const MODEL_DIMENSIONS = ['key_hash', 'model', 'provider_name', 'endpoint_id'] as const;

/**
 * Activity and the generations log (docs/decisions/0022-activity-rollups.md):
 *
 * - `generations` gains `external_user`, `session_id` and `outcome` (ok / error / cancelled),
 *   filter columns of `GET /generations`, and the indexes its filters use; existing rows are
 *   backfilled from their records.
 * - `usage_by_model` and `usage_by_user`: per UTC day (`grain` 'd', `period` `YYYY-MM-DD`) and
 *   per UTC hour (`grain` 'h', `period` `YYYY-MM-DDTHH`), the usage, requests and tokens of the
 *   committed records, maintained in the transaction that inserts them and never purged by
 *   retention; filled here from the records that exist.
 * - `usage_by_endpoint`: as `usage_by_model` without the key, per day only: `/activity` reads it,
 *   so its cost does not grow with the number of keys.
 * - `generation_content` (a record's deflated prompt and output, when stored) and
 *   `api_keys.store_content` (the per-key override of the config's `store_content`).
 */
export async function up(database: Kysely<unknown>): Promise<void> {
  for (const column of ['external_user', 'session_id', 'outcome']) {
    await database.schema.alterTable('generations').addColumn(column, 'text').execute();
  }
  // Keyset pagination of the whole log, newest first; the key's own log uses (key_hash,
  // created_at) from 0001; the others serve the selective filters.
  await database.schema
    .createIndex('generations_created_id')
    .on('generations')
    .columns(['created_at', 'id'])
    .execute();
  await database.schema
    .createIndex('generations_model_created')
    .on('generations')
    .columns(['model', 'created_at'])
    .execute();
  await database.schema
    .createIndex('generations_user_created')
    .on('generations')
    .columns(['external_user', 'created_at'])
    .where(sql.ref('external_user'), 'is not', null)
    .execute();
  await database.schema
    .createIndex('generations_session_created')
    .on('generations')
    .columns(['session_id', 'created_at'])
    .where(sql.ref('session_id'), 'is not', null)
    .execute();
  // Failures are what people look for among mostly `ok` records. Not partial: SQLite would not
  // use an index `WHERE outcome <> 'ok'` for `outcome = 'error'` (it proves no such implication).
  await database.schema
    .createIndex('generations_outcome_created')
    .on('generations')
    .columns(['outcome', 'created_at'])
    .execute();
  // The old index on created_at alone is a prefix of generations_created_id.
  await database.schema.dropIndex('generations_created_at').execute();

  for (const [name, dimensions] of [
    ['usage_by_model', MODEL_DIMENSIONS],
    ['usage_by_endpoint', ['model', 'provider_name', 'endpoint_id']],
    ['usage_by_user', ['key_hash', 'external_user']],
  ] as const) {
    let table = database.schema
      .createTable(name)
      .addColumn('grain', 'text', (column) => column.notNull())
      .addColumn('period', 'text', (column) => column.notNull());
    for (const dimension of dimensions) {
      table = table.addColumn(dimension, 'text', (column) => column.notNull());
    }
    await table
      .addColumn('usage_pico', 'bigint', (column) => column.notNull())
      .addColumn('byok_usage_pico', 'bigint', (column) => column.notNull())
      .addColumn('requests', 'bigint', (column) => column.notNull())
      .addColumn('prompt_tokens', 'bigint', (column) => column.notNull())
      .addColumn('completion_tokens', 'bigint', (column) => column.notNull())
      .addColumn('reasoning_tokens', 'bigint', (column) => column.notNull())
      // The loop-added dimension columns are not in the builder's column type.
      .addPrimaryKeyConstraint(`${name}_pk`, ['grain', 'period', ...dimensions] as never[])
      .execute();
  }
  await database.schema.alterTable('api_keys').addColumn('store_content', 'integer').execute();
  await database.schema
    .createTable('generation_content')
    .addColumn('id', 'text', (column) => column.primaryKey())
    // Binary columns are named differently: BLOB in SQLite, BYTEA in PostgreSQL.
    .addColumn('content', isPostgres(database) ? 'bytea' : 'blob', (column) => column.notNull())
    .execute();
  await backfill(database);
}

function isPostgres(database: Kysely<unknown>): boolean {
  return database.getExecutor().adapter instanceof PostgresAdapter;
}

/**
 * Fills the new columns and the rollups from the records already stored. JSON is read with each
 * dialect's own functions (the record column is text on both), hence the branch.
 */
async function backfill(database: Kysely<unknown>): Promise<void> {
  const postgres = isPostgres(database);
  const text = (path: string) =>
    postgres
      ? sql.raw(`(record::jsonb #>> '{${path}}')`)
      : sql.raw(`json_extract(record, '$.${path}')`);
  const int = (path: string) =>
    postgres
      ? sql.raw(`coalesce((record::jsonb #>> '{${path}}')::bigint, 0)`)
      : sql.raw(`coalesce(json_extract(record, '$.${path}'), 0)`);
  const endpoint = postgres
    ? sql.raw(`coalesce(record::jsonb -> 'provider_responses' -> -1 ->> 'endpoint_id', '')`)
    : sql.raw(`coalesce(json_extract(record, '$.provider_responses[#-1].endpoint_id'), '')`);
  const day = sql.raw('substr(created_at, 1, 10)');
  const hour = sql.raw('substr(created_at, 1, 13)');
  await sql`
    UPDATE generations SET
      external_user = ${text('external_user')},
      session_id = ${text('session_id')},
      outcome = CASE WHEN cancelled = 1 THEN 'cancelled'
        WHEN ${text('finish_reason')} = 'error' THEN 'error' ELSE 'ok' END
  `.execute(database);
  const byok = sql.raw('CASE WHEN is_byok = 1 THEN coalesce(upstream_cost_pico, 0) ELSE 0 END');
  for (const [grain, period] of [
    ['d', day],
    ['h', hour],
  ] as const) {
    await sql`
      INSERT INTO usage_by_model (grain, period, key_hash, model, provider_name, endpoint_id,
        usage_pico, byok_usage_pico, requests, prompt_tokens, completion_tokens, reasoning_tokens)
      SELECT ${grain}, ${period}, key_hash, model, coalesce(provider_name, ''), ${endpoint},
        sum(usage_pico), sum(${byok}), count(*), sum(${int('native_tokens_prompt')}),
        sum(${int('native_tokens_completion')}), sum(${int('native_tokens_reasoning')})
      FROM generations
      GROUP BY ${period}, key_hash, model, coalesce(provider_name, ''), ${endpoint}
    `.execute(database);
    await sql`
      INSERT INTO usage_by_user (grain, period, key_hash, external_user,
        usage_pico, byok_usage_pico, requests, prompt_tokens, completion_tokens, reasoning_tokens)
      SELECT ${grain}, ${period}, key_hash, external_user,
        sum(usage_pico), sum(${byok}), count(*), sum(${int('native_tokens_prompt')}),
        sum(${int('native_tokens_completion')}), sum(${int('native_tokens_reasoning')})
      FROM generations WHERE external_user IS NOT NULL
      GROUP BY ${period}, key_hash, external_user
    `.execute(database);
  }
  await sql`
    INSERT INTO usage_by_endpoint (grain, period, model, provider_name, endpoint_id,
      usage_pico, byok_usage_pico, requests, prompt_tokens, completion_tokens, reasoning_tokens)
    SELECT 'd', ${day}, model, coalesce(provider_name, ''), ${endpoint},
      sum(usage_pico), sum(${byok}), count(*), sum(${int('native_tokens_prompt')}),
      sum(${int('native_tokens_completion')}), sum(${int('native_tokens_reasoning')})
    FROM generations
    GROUP BY ${day}, model, coalesce(provider_name, ''), ${endpoint}
  `.execute(database);
}

/** Drops what {@link up} created. */
export async function down(database: Kysely<unknown>): Promise<void> {
  await database.schema.dropTable('generation_content').execute();
  await database.schema.alterTable('api_keys').dropColumn('store_content').execute();
  await database.schema.dropTable('usage_by_user').execute();
  await database.schema.dropTable('usage_by_endpoint').execute();
  await database.schema.dropTable('usage_by_model').execute();
  await database.schema
    .createIndex('generations_created_at')
    .on('generations')
    .columns(['created_at'])
    .execute();
  for (const index of [
    'generations_outcome_created',
    'generations_session_created',
    'generations_user_created',
    'generations_model_created',
    'generations_created_id',
  ]) {
    await database.schema.dropIndex(index).execute();
  }
  for (const column of ['outcome', 'session_id', 'external_user']) {
    await database.schema.alterTable('generations').dropColumn(column).execute();
  }
}
