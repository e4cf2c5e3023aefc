import type pg from 'pg';
import { GENERATION_COLUMNS, generationValues } from './generation-columns.js';
import type { GenerationRow } from './storage.js';
import { fold, MEASURES, measureValues, ROLLUPS, type Rollup } from './usage-rollups.js';

/** Options of {@link createPostgresInsertGenerations}. */
export interface PostgresWriteBatchOptions {
  /**
   * Commit with `synchronous_commit=off` (durability `process`): `set local` in the same
   * simple-protocol query as `begin`, as storage/dialects/postgres.ts's hot writes do (0038).
   */
  asyncCommit: boolean;
}

/** One parameterized statement of a batch. */
interface Statement {
  text: string;
  values: unknown[];
}

/** Rows per INSERT: 17 parameters × 3,000 stays under PostgreSQL's 65,535 per statement. */
const INSERT_CHUNK = 3000;
/** Buckets per rollup upsert (at most 12 parameters each). */
const UPSERT_CHUNK = 3000;

/**
 * `($1, $2), ($3, $4), …`: `rows` tuples of `columns` placeholders. The list for n rows is a
 * prefix of the list for more, so one string per width is built, grown on demand, and sliced.
 */
class ValuesLists {
  readonly #lists = new Map<number, { text: string; ends: number[] }>();

  get(columns: number, rows: number): string {
    let list = this.#lists.get(columns);
    if (list === undefined) {
      list = { text: '', ends: [] };
      this.#lists.set(columns, list);
    }
    while (list.ends.length < rows) {
      const first = list.ends.length * columns + 1;
      const tuple = Array.from({ length: columns }, (_, index) => `$${first + index}`).join(', ');
      list.text += `${list.ends.length === 0 ? '' : ', '}(${tuple})`;
      list.ends.push(list.text.length);
    }
    return list.text.slice(0, list.ends[rows - 1]);
  }
}

/** A rollup's upsert around its values list, and the parameters per bucket. */
function upsertParts(rollup: Rollup): { head: string; tail: string; width: number } {
  const key = ['grain', 'period', ...rollup.dimensions];
  const sums = MEASURES.map(
    (column) => `${column} = ${rollup.table}.${column} + excluded.${column}`,
  );
  return {
    head: `insert into ${rollup.table} (${[...key, ...MEASURES].join(', ')}) values `,
    tail: ` on conflict (${key.join(', ')}) do update set ${sums.join(', ')}`,
    width: key.length + MEASURES.length,
  };
}

/**
 * `generations.insertMany` on PostgreSQL as SQL text built once and run on one pooled
 * connection: the records, their stored content, their rollups and the removal of their journal
 * rows in one transaction, as kysely-storage.ts's does, without building and compiling a Kysely
 * query tree for every batch (17 nodes per record, most of the gateway's CPU per durable write).
 * The statements stay unnamed: nothing is left on a pooler's server connection (decision 0032).
 */
export function createPostgresInsertGenerations(
  pool: pg.Pool,
  options: PostgresWriteBatchOptions,
): (rows: readonly GenerationRow[]) => Promise<void> {
  const begin = options.asyncCommit ? 'begin; set local synchronous_commit = off' : 'begin';
  const lists = new ValuesLists();
  const insertHead = `insert into generations (${GENERATION_COLUMNS.join(', ')}) values `;
  const contentHead = 'insert into generation_content (id, content) values ';
  const upserts = ROLLUPS.map((rollup) => ({ rollup, ...upsertParts(rollup) }));

  /** The batch's statements, built before its transaction begins, in the order they run. */
  function statements(rows: readonly GenerationRow[]): Statement[] {
    const result: Statement[] = [];
    for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
      const chunk = rows.slice(start, start + INSERT_CHUNK);
      result.push({
        text: insertHead + lists.get(GENERATION_COLUMNS.length, chunk.length),
        values: chunk.flatMap(generationValues),
      });
    }
    // A row posted to a worker thread arrives with a plain Uint8Array.
    const contents = rows.flatMap((row) =>
      row.content === null
        ? []
        : [row.id, Buffer.from(row.content.buffer, row.content.byteOffset, row.content.byteLength)],
    );
    for (let start = 0; start < contents.length; start += INSERT_CHUNK * 2) {
      const chunk = contents.slice(start, start + INSERT_CHUNK * 2);
      result.push({ text: contentHead + lists.get(2, chunk.length / 2), values: chunk });
    }
    // Same transaction: a record and its in-flight journal row never both survive a crash.
    result.push({
      text: 'delete from inflight_generations where id = any($1::text[])',
      values: [rows.map((row) => row.id)],
    });
    // Same transaction: the usage rollups always equal the committed records. Buckets come
    // sorted, so concurrent transactions lock shared rollup rows in one order (no deadlock);
    // last before the commit, so those locks are held for as short a time as possible.
    for (const { rollup, head, tail, width } of upserts) {
      const buckets = fold(rows, rollup);
      for (let start = 0; start < buckets.length; start += UPSERT_CHUNK) {
        const chunk = buckets.slice(start, start + UPSERT_CHUNK);
        result.push({
          text: head + lists.get(width, chunk.length) + tail,
          values: chunk.flatMap((bucket) => [
            bucket.grain,
            bucket.period,
            ...bucket.dimensions,
            ...measureValues(bucket.measures),
          ]),
        });
      }
    }
    return result;
  }

  return async (rows) => {
    if (rows.length === 0) return;
    const batch = statements(rows);
    const client = await pool.connect();
    // A connection whose transaction could not begin or roll back is not reused.
    let discard = false;
    try {
      await client.query(begin).catch((error: unknown) => {
        discard = true;
        throw error;
      });
      try {
        for (const { text, values } of batch) await client.query(text, values);
        await client.query('commit');
      } catch (error) {
        await client.query('rollback').catch(() => {
          discard = true;
        });
        throw error;
      }
    } finally {
      client.release(discard);
    }
  };
}
