import type { Kysely, Transaction } from 'kysely';
import type { Database } from './database.js';
import type { InflightRow, InflightStore } from './storage.js';

/** Ids per `IN (…)` list or rows per insert: far below SQLite's 32,766 bound parameters. */
const CHUNK = 2000;

function chunks<T>(items: readonly T[]): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += CHUNK) {
    result.push(items.slice(start, start + CHUNK));
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

/** The in-flight journal's table, over any Kysely dialect. */
export function createInflightStore(database: Kysely<Database>): InflightStore {
  return {
    async insertMany(rows: readonly InflightRow[]) {
      if (rows.length === 0) return;
      const values = rows.map((row) => ({
        id: row.id,
        node_id: row.nodeId,
        key_hash: row.keyHash,
        created_at: row.createdAt,
        facts_version: row.factsVersion,
        facts: row.facts,
      }));
      await database.transaction().execute(async (transaction) => {
        for (const part of chunks(values)) {
          await transaction.insertInto('inflight_generations').values(part).execute();
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
      return rows.map((row) => ({
        id: row.id,
        nodeId: row.node_id,
        keyHash: row.key_hash,
        createdAt: row.created_at,
        factsVersion: Number(row.facts_version),
        facts: row.facts,
      }));
    },
    async deleteMany(ids: readonly string[]) {
      if (ids.length === 0) return;
      await database.transaction().execute((transaction) => deleteInflightRows(transaction, ids));
    },
  };
}
