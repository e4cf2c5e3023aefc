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

/** Rollup rows per upsert statement: 12 columns × 1,000 rows stays under SQLite's 32,766. */
const UPSERT_CHUNK = 1000;

const toBigInt = (value: bigint | number | string): bigint =>
  typeof value === 'bigint' ? value : BigInt(value);

interface Bucket {
  grain: 'd' | 'h';
  period: string;
  dimensions: string[];
  measures: UsageMeasures;
}

function emptyMeasures(): UsageMeasures {
  return {
    usagePico: 0n,
    byokUsagePico: 0n,
    requests: 0n,
    promptTokens: 0n,
    completionTokens: 0n,
    reasoningTokens: 0n,
  };
}

function addRow(measures: UsageMeasures, row: GenerationRow): void {
  measures.usagePico += row.usagePico;
  if (row.isByok && row.upstreamCostPico !== null) measures.byokUsagePico += row.upstreamCostPico;
  measures.requests += 1n;
  measures.promptTokens += BigInt(row.promptTokens);
  measures.completionTokens += BigInt(row.completionTokens);
  measures.reasoningTokens += BigInt(row.reasoningTokens);
}

/**
 * Folds a batch of records into rollup buckets (day and hour) in memory, so a group commit of N
 * records costs one upsert per touched bucket, not N; sorted by key so concurrent transactions
 * on PostgreSQL lock shared rows in one order (no deadlock).
 */
function fold(
  rows: readonly GenerationRow[],
  dimensionsOf: (row: GenerationRow) => string[] | null,
  grains: readonly ('d' | 'h')[] = ['d', 'h'],
): Bucket[] {
  const buckets = new Map<string, Bucket>();
  for (const row of rows) {
    const dimensions = dimensionsOf(row);
    if (dimensions === null) continue;
    for (const grain of grains) {
      const period = row.createdAt.slice(0, grain === 'd' ? 10 : 13);
      const key = [grain, period, ...dimensions].join('\u0000');
      let bucket = buckets.get(key);
      if (bucket === undefined) {
        bucket = { grain, period, dimensions, measures: emptyMeasures() };
        buckets.set(key, bucket);
      }
      addRow(bucket.measures, row);
    }
  }
  return [...buckets.entries()]
    .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0))
    .map(([, bucket]) => bucket);
}

function measureColumns(measures: UsageMeasures) {
  return {
    usage_pico: measures.usagePico,
    byok_usage_pico: measures.byokUsagePico,
    requests: measures.requests,
    prompt_tokens: measures.promptTokens,
    completion_tokens: measures.completionTokens,
    reasoning_tokens: measures.reasoningTokens,
  };
}

const MEASURES = [
  'usage_pico',
  'byok_usage_pico',
  'requests',
  'prompt_tokens',
  'completion_tokens',
  'reasoning_tokens',
] as const;

/**
 * Adds a batch of records to `usage_by_endpoint`, `usage_by_model` and `usage_by_user`, inside the
 * transaction that inserts them: the rollups always equal the committed records exactly.
 */
export async function addToRollups(
  transaction: Transaction<Database>,
  rows: readonly GenerationRow[],
): Promise<void> {
  // Per day only, without the key: what `/activity` reads, however many keys there are.
  const byEndpoint = fold(
    rows,
    (row) => [row.model, row.providerName ?? '', row.endpointId ?? ''],
    ['d'],
  );
  for (let start = 0; start < byEndpoint.length; start += UPSERT_CHUNK) {
    await transaction
      .insertInto('usage_by_endpoint')
      .values(
        byEndpoint.slice(start, start + UPSERT_CHUNK).map((bucket) => ({
          grain: bucket.grain,
          period: bucket.period,
          model: bucket.dimensions[0] ?? '',
          provider_name: bucket.dimensions[1] ?? '',
          endpoint_id: bucket.dimensions[2] ?? '',
          ...measureColumns(bucket.measures),
        })),
      )
      .onConflict((conflict) =>
        conflict
          .columns(['grain', 'period', 'model', 'provider_name', 'endpoint_id'])
          .doUpdateSet((builder) =>
            Object.fromEntries(
              MEASURES.map((column) => [
                column,
                builder(`usage_by_endpoint.${column}`, '+', builder.ref(`excluded.${column}`)),
              ]),
            ),
          ),
      )
      .execute();
  }
  const byModel = fold(rows, (row) => [
    row.keyHash,
    row.model,
    row.providerName ?? '',
    row.endpointId ?? '',
  ]);
  for (let start = 0; start < byModel.length; start += UPSERT_CHUNK) {
    await transaction
      .insertInto('usage_by_model')
      .values(
        byModel.slice(start, start + UPSERT_CHUNK).map((bucket) => ({
          grain: bucket.grain,
          period: bucket.period,
          key_hash: bucket.dimensions[0] ?? '',
          model: bucket.dimensions[1] ?? '',
          provider_name: bucket.dimensions[2] ?? '',
          endpoint_id: bucket.dimensions[3] ?? '',
          ...measureColumns(bucket.measures),
        })),
      )
      .onConflict((conflict) =>
        conflict
          .columns(['grain', 'period', 'key_hash', 'model', 'provider_name', 'endpoint_id'])
          .doUpdateSet((builder) =>
            Object.fromEntries(
              MEASURES.map((column) => [
                column,
                builder(`usage_by_model.${column}`, '+', builder.ref(`excluded.${column}`)),
              ]),
            ),
          ),
      )
      .execute();
  }
  const byUser = fold(rows, (row) =>
    row.externalUser === null ? null : [row.keyHash, row.externalUser],
  );
  for (let start = 0; start < byUser.length; start += UPSERT_CHUNK) {
    await transaction
      .insertInto('usage_by_user')
      .values(
        byUser.slice(start, start + UPSERT_CHUNK).map((bucket) => ({
          grain: bucket.grain,
          period: bucket.period,
          key_hash: bucket.dimensions[0] ?? '',
          external_user: bucket.dimensions[1] ?? '',
          ...measureColumns(bucket.measures),
        })),
      )
      .onConflict((conflict) =>
        conflict
          .columns(['grain', 'period', 'key_hash', 'external_user'])
          .doUpdateSet((builder) =>
            Object.fromEntries(
              MEASURES.map((column) => [
                column,
                builder(`usage_by_user.${column}`, '+', builder.ref(`excluded.${column}`)),
              ]),
            ),
          ),
      )
      .execute();
  }
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
