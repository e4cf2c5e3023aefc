import { type Kysely, sql } from 'kysely';
import type { Database } from './database.js';
import { exactSum, readExactSum } from './exact-sum.js';
import type { KeyWindowSums, RetentionStore } from './storage.js';

const DAY_MS = 86_400_000;

/** The UTC day containing an ISO instant, as `YYYY-MM-DDT00:00:00.000Z` (a rollup's `day`). */
export function utcDayOf(iso: string): string {
  return new Date(Math.floor(Date.parse(iso) / DAY_MS) * DAY_MS).toISOString();
}

const toBigInt = (value: bigint | number | string): bigint =>
  typeof value === 'bigint' ? value : BigInt(value);

/**
 * Which usage to sum: one key or all; created in [`since`, `before`) (null = unbounded). `byok`
 * sums, instead of what keys were charged, the upstream cost of BYOK records (`byok_usage`).
 */
export interface UsageRange {
  keyHash: string | null;
  sinceIso: string | null;
  beforeIso: string | null;
  byok?: boolean;
}

/**
 * Σ usage of the generation records in `range` plus the rollups of deleted ones, in ONE statement
 * (one snapshot), so a retention batch moving usage from records to rollups concurrently is
 * counted exactly once. A rollup day counts when it overlaps the range: exact for ranges on UTC
 * day boundaries (the limit windows); a bound inside a rolled-up day counts the whole day, which
 * can only overstate usage, never understate it.
 */
export async function sumUsageInRange(
  database: Kysely<Database>,
  range: UsageRange,
): Promise<bigint> {
  let records =
    range.byok === true
      ? database
          .selectFrom('generations')
          .select('upstream_cost_pico as usage_pico')
          .where('is_byok', '=', 1)
      : database.selectFrom('generations').select('usage_pico');
  let rollups =
    range.byok === true
      ? database.selectFrom('usage_rollups').select('byok_usage_pico as usage_pico')
      : database.selectFrom('usage_rollups').select('usage_pico');
  if (range.keyHash !== null) {
    records = records.where('key_hash', '=', range.keyHash);
    rollups = rollups.where('key_hash', '=', range.keyHash);
  }
  if (range.sinceIso !== null) {
    records = records.where('created_at', '>=', range.sinceIso);
    rollups = rollups.where('day', '>=', utcDayOf(range.sinceIso));
  }
  if (range.beforeIso !== null) {
    records = records.where('created_at', '<', range.beforeIso);
    rollups = rollups.where('day', '<', range.beforeIso);
  }
  const row = await database
    .selectFrom(records.unionAll(rollups).as('usage'))
    .select(exactSum(sql.ref('usage.usage_pico'), 'total'))
    .executeTakeFirst();
  return readExactSum(row, 'total');
}

/**
 * {@link sumUsageInRange} for one key, all time and since each of `startsIso` (UTC midnights:
 * the limit windows), usage and BYOK usage, in ONE statement: on PostgreSQL every statement has
 * its own snapshot, so sums read one by one could each see a different set of committed records
 * (a daily sum above the all-time one). Rolled-up days count like records of that day.
 */
export async function sumKeyWindows(
  database: Kysely<Database>,
  keyHash: string,
  startsIso: readonly string[],
): Promise<KeyWindowSums> {
  for (const start of startsIso) {
    // One comparison serves records and rollups only at a day's start: a rollup's `day` (its
    // UTC midnight, `…T00:00:00.000Z`) sorts at or after that day's start in either form.
    if (Date.parse(start) % DAY_MS !== 0) throw new RangeError(`not a UTC midnight: ${start}`);
  }
  const records = database
    .selectFrom('generations')
    .select([
      'created_at as at',
      'usage_pico',
      sql<bigint | number | string>`case when is_byok = 1 then upstream_cost_pico end`.as(
        'byok_pico',
      ),
    ])
    .where('key_hash', '=', keyHash);
  const rollups = database
    .selectFrom('usage_rollups')
    .select(['day as at', 'usage_pico', 'byok_usage_pico as byok_pico'])
    .where('key_hash', '=', keyHash);
  const sums = [
    ...exactSum(sql.ref('usage_pico'), 'u0'),
    ...exactSum(sql.ref('byok_pico'), 'b0'),
    ...startsIso.flatMap((start, index) => [
      ...exactSum(sql`case when at >= ${start} then usage_pico end`, `u${index + 1}`),
      ...exactSum(sql`case when at >= ${start} then byok_pico end`, `b${index + 1}`),
    ]),
  ];
  const row = (await database
    .selectFrom(records.unionAll(rollups).as('usage'))
    .select(sums)
    .executeTakeFirst()) as Record<string, unknown> | undefined;
  const windows = [0, ...startsIso.map((_, index) => index + 1)];
  return {
    usage: windows.map((index) => readExactSum(row, `u${index}`)),
    byok: windows.map((index) => readExactSum(row, `b${index}`)),
  };
}

/** `pg_try_advisory_xact_lock` key of a retention batch ("tollret\0" as an int8). */
const RETENTION_LOCK_KEY = 8390043843846042624n;

/** Deletion of old generation records, their usage folded into `usage_rollups`. */
export function createRetentionStore(
  database: Kysely<Database>,
  dialect: 'sqlite' | 'postgres',
): RetentionStore {
  return {
    async purgeBatch(beforeIso: string, limit: number) {
      return database.transaction().execute(async (transaction) => {
        if (dialect === 'postgres') {
          // One node purges at a time; the others skip the round instead of queueing on row locks.
          const { rows } = await sql<{ locked: boolean }>`
            SELECT pg_try_advisory_xact_lock(${RETENTION_LOCK_KEY.toString()}::bigint) AS locked
          `.execute(transaction);
          if (rows[0]?.locked !== true) return 0;
        }
        // RETURNING gives exactly the rows this transaction deleted: each is folded once.
        const deleted = await transaction
          .deleteFrom('generations')
          .where('id', 'in', (builder) =>
            builder
              .selectFrom('generations')
              .select('id')
              .where('created_at', '<', beforeIso)
              .orderBy('created_at')
              .limit(limit),
          )
          .returning([
            'id',
            'key_hash',
            'created_at',
            'usage_pico',
            'is_byok',
            'upstream_cost_pico',
          ])
          .execute();
        // A record's stored content goes with it.
        const deletedIds = deleted.map((row) => row.id);
        for (let start = 0; start < deletedIds.length; start += 2000) {
          await transaction
            .deleteFrom('generation_content')
            .where('id', 'in', deletedIds.slice(start, start + 2000))
            .execute();
        }
        const folded = new Map<
          string,
          { keyHash: string; day: string; usage: bigint; byok: bigint; count: bigint }
        >();
        for (const row of deleted) {
          const day = utcDayOf(row.created_at);
          const bucketKey = `${row.key_hash}\u0000${day}`;
          const bucket = folded.get(bucketKey) ?? {
            keyHash: row.key_hash,
            day,
            usage: 0n,
            byok: 0n,
            count: 0n,
          };
          bucket.usage += toBigInt(row.usage_pico);
          if (Number(row.is_byok) === 1 && row.upstream_cost_pico !== null) {
            bucket.byok += toBigInt(row.upstream_cost_pico);
          }
          bucket.count += 1n;
          folded.set(bucketKey, bucket);
        }
        for (const bucket of folded.values()) {
          await transaction
            .insertInto('usage_rollups')
            .values({
              key_hash: bucket.keyHash,
              day: bucket.day,
              usage_pico: bucket.usage,
              byok_usage_pico: bucket.byok,
              generations: bucket.count,
            })
            .onConflict((conflict) =>
              conflict.columns(['key_hash', 'day']).doUpdateSet((builder) => ({
                usage_pico: builder(
                  'usage_rollups.usage_pico',
                  '+',
                  builder.ref('excluded.usage_pico'),
                ),
                byok_usage_pico: builder(
                  'usage_rollups.byok_usage_pico',
                  '+',
                  builder.ref('excluded.byok_usage_pico'),
                ),
                generations: builder(
                  'usage_rollups.generations',
                  '+',
                  builder.ref('excluded.generations'),
                ),
              })),
            )
            .execute();
        }
        return deleted.length;
      });
    },
  };
}
