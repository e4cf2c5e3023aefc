import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from './database.js';
import type {
  GenerationCursor,
  GenerationFilter,
  GenerationRow,
  ListedGeneration,
  ReportStore,
  SummaryQuery,
  UsageMeasures,
  UsageSummaryRow,
} from './storage.js';
import {
  type Bucket,
  fold,
  MEASURES,
  measureValues,
  ROLLUPS,
  type Rollup,
} from './usage-rollups.js';

/** Rollup rows per upsert statement: 12 columns × 1,000 rows stays under SQLite's 32,766. */
const UPSERT_CHUNK = 1000;

const toBigInt = (value: bigint | number | string): bigint =>
  typeof value === 'bigint' ? value : BigInt(value);

/**
 * Adds a batch of records to every rollup table ({@link ROLLUPS}), inside the transaction that
 * inserts them: the rollups always equal the committed records exactly.
 */
export async function addToRollups(
  transaction: Transaction<Database>,
  rows: readonly GenerationRow[],
): Promise<void> {
  for (const rollup of ROLLUPS) {
    const buckets = fold(rows, rollup);
    for (let start = 0; start < buckets.length; start += UPSERT_CHUNK) {
      await upsertBuckets(rollup, buckets.slice(start, start + UPSERT_CHUNK)).execute(transaction);
    }
  }
}

/** One multi-row upsert adding `buckets` to `rollup`'s table (the same SQL on both dialects). */
function upsertBuckets(rollup: Rollup, buckets: readonly Bucket[]) {
  const table = sql.table(rollup.table);
  const key = ['grain', 'period', ...rollup.dimensions].map((column) => sql.ref(column));
  const columns = [...key, ...MEASURES.map((column) => sql.ref(column))];
  const values = buckets.map(
    (bucket) =>
      sql`(${sql.join([bucket.grain, bucket.period, ...bucket.dimensions, ...measureValues(bucket.measures)])})`,
  );
  const sums = MEASURES.map(
    (column) => sql`${sql.ref(column)} = ${table}.${sql.ref(column)} + excluded.${sql.ref(column)}`,
  );
  return sql`insert into ${table} (${sql.join(columns)}) values ${sql.join(values)}
    on conflict (${sql.join(key)}) do update set ${sql.join(sums)}`;
}

type SumRow = Record<(typeof MEASURES)[number], bigint | number | string | null>;

function toMeasures(row: SumRow): UsageMeasures {
  const read = (value: bigint | number | string | null) => (value === null ? 0n : toBigInt(value));
  return {
    usagePico: read(row.usage_pico),
    byokUsagePico: read(row.byok_usage_pico),
    requests: read(row.requests),
    promptTokens: read(row.prompt_tokens),
    completionTokens: read(row.completion_tokens),
    reasoningTokens: read(row.reasoning_tokens),
  };
}

/** Newest first: (created_at, id) descending, the keyset of the log's cursor. */
function applyFilter(database: Kysely<Database>, filter: GenerationFilter) {
  let query = database.selectFrom('generations');
  if (filter.keyHash !== null) query = query.where('key_hash', '=', filter.keyHash);
  if (filter.sinceIso !== null) query = query.where('created_at', '>=', filter.sinceIso);
  if (filter.beforeIso !== null) query = query.where('created_at', '<', filter.beforeIso);
  if (filter.model !== null) query = query.where('model', '=', filter.model);
  if (filter.providerName !== null) {
    query = query.where('provider_name', '=', filter.providerName);
  }
  if (filter.externalUser !== null) {
    query = query.where('external_user', '=', filter.externalUser);
  }
  if (filter.sessionId !== null) query = query.where('session_id', '=', filter.sessionId);
  if (filter.apiType !== null) query = query.where('api_type', '=', filter.apiType);
  if (filter.outcome !== null) query = query.where('outcome', '=', filter.outcome);
  if (filter.minCostPico !== null) query = query.where('usage_pico', '>=', filter.minCostPico);
  return query;
}

/** Reads of the generations log and of the usage rollups. */
export function createReportStore(database: Kysely<Database>): ReportStore {
  return {
    async listGenerations(filter: GenerationFilter, after: GenerationCursor | null, limit: number) {
      let query = applyFilter(database, filter).select(['id', 'created_at', 'record']);
      if (after !== null) {
        // (created_at, id) < cursor, spelled so that `created_at <=` bounds the scan of whichever
        // (…, created_at) index the planner picks; a bare OR made SQLite sort every older row.
        query = query
          .where('created_at', '<=', after.createdAt)
          .where((builder) =>
            builder.or([builder('created_at', '<', after.createdAt), builder('id', '<', after.id)]),
          );
      }
      const rows = await query
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map(
        (row): ListedGeneration => ({ id: row.id, createdAt: row.created_at, record: row.record }),
      );
    },

    async activity(sinceDay: string, beforeDay: string) {
      const rows = await database
        .selectFrom('usage_by_endpoint')
        .select(['period', 'model', 'provider_name', 'endpoint_id'])
        .select((builder) =>
          MEASURES.map((column) => builder.fn.sum<bigint | number | string>(column).as(column)),
        )
        .where('grain', '=', 'd')
        .where('period', '>=', sinceDay)
        .where('period', '<', beforeDay)
        .groupBy(['period', 'model', 'provider_name', 'endpoint_id'])
        .orderBy('period', 'desc')
        .orderBy('model')
        .orderBy('provider_name')
        .orderBy('endpoint_id')
        .execute();
      return rows.map((row) => ({
        day: row.period,
        model: row.model,
        providerName: row.provider_name,
        endpointId: row.endpoint_id,
        ...toMeasures(row),
      }));
    },

    async summary(query: SummaryQuery) {
      const rows =
        query.groupBy === 'external_user'
          ? await database
              .selectFrom('usage_by_user')
              .select(['period', 'external_user as group_value'])
              .select((builder) =>
                MEASURES.map((column) =>
                  builder.fn.sum<bigint | number | string>(column).as(column),
                ),
              )
              .where('grain', '=', query.grain)
              .where('period', '>=', query.sincePeriod)
              .where('period', '<', query.beforePeriod)
              .$if(query.keyHash !== null, (builder) =>
                builder.where('key_hash', '=', query.keyHash ?? ''),
              )
              .groupBy(['period', 'external_user'])
              .orderBy('period')
              .orderBy('external_user')
              .execute()
          : await database
              .selectFrom('usage_by_model')
              .select([
                'period',
                sql
                  .ref<string>(
                    { key: 'key_hash', model: 'model', provider: 'provider_name' }[query.groupBy],
                  )
                  .as('group_value'),
              ])
              .select((builder) =>
                MEASURES.map((column) =>
                  builder.fn.sum<bigint | number | string>(column).as(column),
                ),
              )
              .where('grain', '=', query.grain)
              .where('period', '>=', query.sincePeriod)
              .where('period', '<', query.beforePeriod)
              .$if(query.keyHash !== null, (builder) =>
                builder.where('key_hash', '=', query.keyHash ?? ''),
              )
              .groupBy([
                'period',
                { key: 'key_hash', model: 'model', provider: 'provider_name' }[query.groupBy] as
                  | 'key_hash'
                  | 'model'
                  | 'provider_name',
              ])
              .orderBy('period')
              .orderBy('group_value')
              .execute();
      return rows.map(
        (row): UsageSummaryRow => ({
          period: row.period,
          group: row.group_value,
          ...toMeasures(row),
        }),
      );
    },
  };
}
