import { type Insertable, type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import type { Database, GenerationTable, InflightTable } from './database.js';
import { addToRollups } from './kysely-reports.js';
import type {
  GenerationRow,
  InflightCheckpoint,
  InflightRow,
  InflightStore,
  NodeLeaseStore,
} from './storage.js';

/** Ids per `IN (…)` list or rows per insert: far below SQLite's 32,766 bound parameters. */
const CHUNK = 2000;

function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    result.push(items.slice(start, start + size));
  }
  return result;
}

/**
 * Deletes the journal rows of `ids` inside `transaction`: the generation store calls it in the
 * transaction that inserts their records, so a record and its journal row never coexist durably.
 */
export async function deleteInflightRows(
  transaction: Kysely<Database> | Transaction<Database>,
  ids: readonly string[],
): Promise<void> {
  for (const part of chunks(ids)) {
    await transaction.deleteFrom('inflight_generations').where('id', 'in', part).execute();
  }
}

function toInflightValues(row: InflightRow) {
  return {
    id: row.id,
    node_id: row.nodeId,
    key_hash: row.keyHash,
    created_at: row.createdAt,
    facts_version: row.factsVersion,
    facts: row.facts,
  };
}

function toInflightRow(row: Selectable<InflightTable>): InflightRow {
  return {
    id: row.id,
    nodeId: row.node_id,
    keyHash: row.key_hash,
    createdAt: row.created_at,
    factsVersion: Number(row.facts_version),
    facts: row.facts,
    relayedBytes: row.relayed_bytes === null ? null : Number(row.relayed_bytes),
  };
}

/** The in-flight journal's table, over any Kysely dialect. */
export function createInflightStore(
  database: Kysely<Database>,
  toGenerationValues: (row: GenerationRow) => Insertable<GenerationTable>,
  dialect: 'sqlite' | 'postgres',
): InflightStore {
  // PostgreSQL: a checkpoint skips rows another transaction holds (a record commit deleting them),
  // so it never waits on a commit and can never deadlock with one; SQLite has one writer anyway
  // and no row locks (nor FOR UPDATE).
  const unlocked =
    dialect === 'postgres'
      ? (ids: readonly string[]) =>
          sql` and inflight_generations.id in (select id from inflight_generations
            where id in (${sql.join(ids)}) for update skip locked)`
      : () => sql``;
  return {
    async insertMany(rows: readonly InflightRow[]) {
      if (rows.length === 0) return;
      const values = rows.map(toInflightValues);
      await database.transaction().execute(async (transaction) => {
        for (const part of chunks(values)) {
          await transaction.insertInto('inflight_generations').values(part).execute();
        }
      });
    },
    async upsertMany(rows: readonly InflightRow[]) {
      if (rows.length === 0) return;
      await database.transaction().execute(async (transaction) => {
        for (const part of chunks(rows.map(toInflightValues))) {
          await transaction
            .insertInto('inflight_generations')
            .values(part)
            .onConflict((conflict) =>
              conflict.column('id').doUpdateSet((excluded) => ({
                facts_version: excluded.ref('excluded.facts_version'),
                facts: excluded.ref('excluded.facts'),
              })),
            )
            .execute();
        }
      });
    },
    async listByNode(nodeId: string) {
      const rows = await database
        .selectFrom('inflight_generations')
        .selectAll()
        .where('node_id', '=', nodeId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map(toInflightRow);
    },
    async deleteMany(ids: readonly string[]) {
      if (ids.length === 0) return;
      await database.transaction().execute((transaction) => deleteInflightRows(transaction, ids));
    },
    async get(id: string) {
      // PostgreSQL refuses NUL in text: such an id was never journaled (`GET /generation?id=%00`).
      if (id.includes('\u0000')) return undefined;
      const row = await database
        .selectFrom('inflight_generations')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row === undefined ? undefined : toInflightRow(row);
    },
    async checkpoint(checkpoints: readonly InflightCheckpoint[]) {
      if (checkpoints.length === 0) return;
      // One UPDATE … FROM (VALUES …) per chunk: a join on the primary key, linear in the number
      // of streams, the same SQL on both dialects (a VALUES list's columns are `column1`,
      // `column2` on both). Rows already finalized are simply not matched.
      const relayed = checkpoints.filter((checkpoint) => checkpoint.relayedBytes !== null);
      const refreshed = checkpoints.filter((checkpoint) => checkpoint.facts !== undefined);
      await database.transaction().execute(async (transaction) => {
        for (const part of chunks(relayed, 1000)) {
          const values = sql.join(
            part.map(
              (checkpoint) => sql`(${checkpoint.id}, cast(${checkpoint.relayedBytes} as bigint))`,
            ),
          );
          const ids = part.map((checkpoint) => checkpoint.id);
          await sql`update inflight_generations set relayed_bytes = v.column2
            from (values ${values}) as v
            where inflight_generations.id = v.column1${unlocked(ids)}`.execute(transaction);
        }
        for (const part of chunks(refreshed, 1000)) {
          const values = sql.join(
            part.map((checkpoint) => sql`(${checkpoint.id}, ${checkpoint.facts})`),
          );
          const ids = part.map((checkpoint) => checkpoint.id);
          await sql`update inflight_generations set facts = v.column2
            from (values ${values}) as v
            where inflight_generations.id = v.column1${unlocked(ids)}`.execute(transaction);
        }
      });
    },
    async finalizeMany(records: readonly GenerationRow[]) {
      if (records.length === 0) return [];
      return database.transaction().execute(async (transaction) => {
        const inserted: string[] = [];
        for (const part of chunks(records)) {
          // The delete is the claim: of two finalizers of one row, the second finds it gone
          // (PostgreSQL: blocked on its lock until the first commits) and inserts nothing.
          const deleted = await transaction
            .deleteFrom('inflight_generations')
            .where(
              'id',
              'in',
              part.map((record) => record.id),
            )
            .returning('id')
            .execute();
          const claimed = new Set(deleted.map((row) => row.id));
          const values = part.filter((record) => claimed.has(record.id)).map(toGenerationValues);
          if (values.length === 0) continue;
          const rows = await transaction
            .insertInto('generations')
            .values(values)
            .onConflict((conflict) => conflict.column('id').doNothing())
            .returning('id')
            .execute();
          const added = new Set(rows.map((row) => row.id));
          for (const id of added) inserted.push(id);
          // Same transaction, as for every commit: the usage rollups (activity) always equal the
          // committed records — of the records this finalize inserted, not those already there.
          await addToRollups(
            transaction,
            part.filter((record) => added.has(record.id)),
          );
        }
        return inserted;
      });
    },
  };
}

/** Node leases over any Kysely dialect (claims are single conditional UPDATEs: atomic on both). */
export function createNodeLeaseStore(database: Kysely<Database>): NodeLeaseStore {
  const hold: NodeLeaseStore['hold'] = async (
    nodeId,
    holder,
    nowMs,
    expiresAtMs,
    replacing = null,
  ) => {
    const result = await database
      .insertInto('node_leases')
      .values({ node_id: nodeId, expires_at_ms: BigInt(expiresAtMs), claimed_by: null, holder })
      .onConflict((conflict) =>
        conflict
          .column('node_id')
          .doUpdateSet({ expires_at_ms: BigInt(expiresAtMs), claimed_by: null, holder })
          .where((row) =>
            row.or([
              row('node_leases.holder', 'is', null),
              row('node_leases.holder', '=', holder),
              row('node_leases.expires_at_ms', '<', BigInt(nowMs)),
              ...(replacing === null ? [] : [row('node_leases.holder', '=', replacing)]),
            ]),
          ),
      )
      .executeTakeFirst();
    if (Number(result.numInsertedOrUpdatedRows ?? 0n) > 0) return null;
    const standing = await database
      .selectFrom('node_leases')
      .select(['holder', 'expires_at_ms'])
      .where('node_id', '=', nodeId)
      .executeTakeFirst();
    // Gone in between (released by its recoverer): take it afresh.
    if (standing === undefined) return hold(nodeId, holder, nowMs, expiresAtMs, replacing);
    return { holder: standing.holder, expiresAtMs: Number(standing.expires_at_ms) };
  };

  return {
    async renew(nodeId: string, expiresAtMs: number) {
      await database
        .insertInto('node_leases')
        .values({ node_id: nodeId, expires_at_ms: BigInt(expiresAtMs), claimed_by: null })
        .onConflict((conflict) =>
          conflict
            .column('node_id')
            .doUpdateSet({ expires_at_ms: BigInt(expiresAtMs), claimed_by: null }),
        )
        .execute();
    },
    hold,
    async listExpired(nowMs: number, exceptNodeId: string) {
      const rows = await database
        .selectFrom('node_leases')
        .select('node_id')
        .where('expires_at_ms', '<', BigInt(nowMs))
        .where('node_id', '<>', exceptNodeId)
        .execute();
      return rows.map((row) => row.node_id);
    },
    async claim(nodeId: string, claimer: string, nowMs: number, untilMs: number) {
      const result = await database
        .updateTable('node_leases')
        .set({ expires_at_ms: BigInt(untilMs), claimed_by: claimer })
        .where('node_id', '=', nodeId)
        .where('expires_at_ms', '<', BigInt(nowMs))
        .executeTakeFirst();
      return result.numUpdatedRows === 1n;
    },
    async release(nodeId: string, claimer: string) {
      await database
        .deleteFrom('node_leases')
        .where('node_id', '=', nodeId)
        .where('claimed_by', '=', claimer)
        .execute();
    },
    async expiresAt(nodeId: string) {
      const row = await database
        .selectFrom('node_leases')
        .select('expires_at_ms')
        .where('node_id', '=', nodeId)
        .executeTakeFirst();
      return row === undefined ? undefined : Number(row.expires_at_ms);
    },
  };
}
