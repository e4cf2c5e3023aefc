import type { GenerationRow, UsageMeasures } from './storage.js';

/** The measure columns every rollup table sums, in one order for every statement. */
export const MEASURES = [
  'usage_pico',
  'byok_usage_pico',
  'requests',
  'prompt_tokens',
  'completion_tokens',
  'reasoning_tokens',
] as const;

/** A rollup table's name. */
export type RollupTable = 'usage_by_endpoint' | 'usage_by_model' | 'usage_by_user';

/**
 * One rollup table: its dimension columns (after `grain` and `period`, which every table has),
 * the grains it keeps, and a record's values of those dimensions (null: the record is not in it).
 */
export interface Rollup {
  table: RollupTable;
  dimensions: readonly string[];
  grains: readonly ('d' | 'h')[];
  dimensionsOf: (row: GenerationRow) => string[] | null;
}

/**
 * The three usage rollups that each batch of records is folded into, inside the transaction that
 * inserts them (the rollups always equal the committed records exactly).
 */
export const ROLLUPS: readonly Rollup[] = [
  // Per day only, without the key: what `/activity` reads, however many keys there are.
  {
    table: 'usage_by_endpoint',
    dimensions: ['model', 'provider_name', 'endpoint_id'],
    grains: ['d'],
    dimensionsOf: (row) => [row.model, row.providerName ?? '', row.endpointId ?? ''],
  },
  {
    table: 'usage_by_model',
    dimensions: ['key_hash', 'model', 'provider_name', 'endpoint_id'],
    grains: ['d', 'h'],
    dimensionsOf: (row) => [row.keyHash, row.model, row.providerName ?? '', row.endpointId ?? ''],
  },
  {
    table: 'usage_by_user',
    dimensions: ['key_hash', 'external_user'],
    grains: ['d', 'h'],
    dimensionsOf: (row) => (row.externalUser === null ? null : [row.keyHash, row.externalUser]),
  },
];

/** One rollup row to add: its key (grain, period, dimension values) and the summed measures. */
export interface Bucket {
  grain: 'd' | 'h';
  period: string;
  dimensions: string[];
  measures: UsageMeasures;
}

/** Zero of every measure. */
export function emptyMeasures(): UsageMeasures {
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
 * Folds a batch of records into one rollup's buckets in memory, so a group commit of N records
 * costs one upsert per touched bucket, not N; sorted by key so concurrent transactions on
 * PostgreSQL lock shared rows in one order (no deadlock).
 */
export function fold(rows: readonly GenerationRow[], rollup: Rollup): Bucket[] {
  const buckets = new Map<string, Bucket>();
  for (const row of rows) {
    const dimensions = rollup.dimensionsOf(row);
    if (dimensions === null) continue;
    for (const grain of rollup.grains) {
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

/** Adds `more` into `total` (sums of summary rows, e.g. a report's totals). */
export function addMeasures(total: UsageMeasures, more: UsageMeasures): void {
  total.usagePico += more.usagePico;
  total.byokUsagePico += more.byokUsagePico;
  total.requests += more.requests;
  total.promptTokens += more.promptTokens;
  total.completionTokens += more.completionTokens;
  total.reasoningTokens += more.reasoningTokens;
}

/** A bucket's measures in {@link MEASURES} order. */
export function measureValues(measures: UsageMeasures): bigint[] {
  return [
    measures.usagePico,
    measures.byokUsagePico,
    measures.requests,
    measures.promptTokens,
    measures.completionTokens,
    measures.reasoningTokens,
  ];
}
