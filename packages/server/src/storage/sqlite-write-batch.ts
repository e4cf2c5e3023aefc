import type SqliteDatabase from 'better-sqlite3';
import { GENERATION_COLUMNS, generationValues } from './generation-columns.js';
import type { GenerationRow, InflightCheckpoint, InflightRow } from './storage.js';
import { fold, MEASURES, measureValues, ROLLUPS, type Rollup } from './usage-rollups.js';

/** The durable writes of a SQLite file, each one transaction (one commit, one fsync at `power`). */
export interface SqliteWriteBatch {
  /** Records, their stored content, their rollups, and the removal of their journal rows. */
  insertGenerations(rows: readonly GenerationRow[]): void;
  insertInflight(rows: readonly InflightRow[]): void;
  upsertInflight(rows: readonly InflightRow[]): void;
  deleteInflight(ids: readonly string[]): void;
  checkpointInflight(checkpoints: readonly InflightCheckpoint[]): void;
}

/** Options of {@link createSqliteWriteBatch}. */
export interface SqliteWriteBatchOptions {
  /**
   * Commit each batch at `synchronous=NORMAL` (a WAL append, no fsync) on a connection otherwise
   * at `synchronous=FULL`, which is restored after it: the caller syncs the WAL itself, off the
   * event loop, before acknowledging (durability `power`, storage/wal-sync.ts, decision 0031).
   * The connection's other writes keep their FULL commits.
   */
  commitWithoutSync?: boolean;
}

const placeholders = (count: number) => Array.from({ length: count }, () => '?').join(', ');

function insertSql(table: string, columns: readonly string[]): string {
  return `insert into ${table} (${columns.join(', ')}) values (${placeholders(columns.length)})`;
}

function upsertSql(rollup: Rollup): string {
  const key = ['grain', 'period', ...rollup.dimensions];
  const sums = MEASURES.map(
    (column) => `${column} = ${rollup.table}.${column} + excluded.${column}`,
  );
  return `${insertSql(rollup.table, [...key, ...MEASURES])} on conflict (${key.join(', ')}) do update set ${sums.join(', ')}`;
}

/**
 * The SQLite write path as better-sqlite3 statements prepared once per connection: building and
 * compiling each batch's INSERT, upserts and DELETE through Kysely was most of the writer
 * thread's CPU. One prepared single-row statement run per row is cheaper than a multi-row
 * statement compiled anew. Kysely keeps the migrations and every read.
 */
export function createSqliteWriteBatch(
  database: SqliteDatabase.Database,
  options: SqliteWriteBatchOptions = {},
): SqliteWriteBatch {
  const insertGeneration = database.prepare(insertSql('generations', GENERATION_COLUMNS));
  const insertContent = database.prepare(insertSql('generation_content', ['id', 'content']));
  const upserts = ROLLUPS.map((rollup) => ({
    rollup,
    statement: database.prepare(upsertSql(rollup)),
  }));
  const deleteJournal = database.prepare('delete from inflight_generations where id = ?');
  const insertJournal = database.prepare(
    insertSql('inflight_generations', [
      'id',
      'node_id',
      'key_hash',
      'created_at',
      'facts_version',
      'facts',
    ]),
  );
  const upsertJournal = database.prepare(
    `${insertSql('inflight_generations', ['id', 'node_id', 'key_hash', 'created_at', 'facts_version', 'facts'])} on conflict (id) do update set facts_version = excluded.facts_version, facts = excluded.facts`,
  );
  const checkpoint = database.prepare(
    'update inflight_generations set relayed_bytes = ? where id = ?',
  );
  const refreshFacts = database.prepare('update inflight_generations set facts = ? where id = ?');

  const insertGenerations = database.transaction((rows: readonly GenerationRow[]) => {
    for (const row of rows) insertGeneration.run(generationValues(row));
    for (const row of rows) {
      if (row.content === null) continue;
      // A row posted to the writer thread arrives with a plain Uint8Array.
      const { buffer, byteOffset, byteLength } = row.content;
      insertContent.run(row.id, Buffer.from(buffer, byteOffset, byteLength));
    }
    // Same transaction: the usage rollups always equal the committed records.
    for (const { rollup, statement } of upserts) {
      for (const bucket of fold(rows, rollup)) {
        statement.run(
          bucket.grain,
          bucket.period,
          ...bucket.dimensions,
          ...measureValues(bucket.measures),
        );
      }
    }
    // Same transaction: a record and its in-flight journal row never both survive a crash.
    for (const row of rows) deleteJournal.run(row.id);
  });
  /** One transaction running `statement` (insert, or insert-or-replace) for each journal row. */
  const writeJournalRows = (statement: SqliteDatabase.Statement) =>
    database.transaction((rows: readonly InflightRow[]) => {
      for (const row of rows) {
        statement.run(row.id, row.nodeId, row.keyHash, row.createdAt, row.factsVersion, row.facts);
      }
    });
  const insertInflight = writeJournalRows(insertJournal);
  const upsertInflight = writeJournalRows(upsertJournal);
  const deleteInflight = database.transaction((ids: readonly string[]) => {
    for (const id of ids) deleteJournal.run(id);
  });
  // Rows already finalized are simply not matched.
  const checkpointInflight = database.transaction((checkpoints: readonly InflightCheckpoint[]) => {
    for (const each of checkpoints) {
      if (each.relayedBytes !== null) checkpoint.run(each.relayedBytes, each.id);
      if (each.facts !== undefined) refreshFacts.run(each.facts, each.id);
    }
  });

  const commit = options.commitWithoutSync === true ? withoutSync(database) : runNow;
  return {
    insertGenerations: (rows) => {
      if (rows.length > 0) commit(() => insertGenerations(rows));
    },
    insertInflight: (rows) => {
      if (rows.length > 0) commit(() => insertInflight(rows));
    },
    upsertInflight: (rows) => {
      if (rows.length > 0) commit(() => upsertInflight(rows));
    },
    deleteInflight: (ids) => {
      if (ids.length > 0) commit(() => deleteInflight(ids));
    },
    checkpointInflight: (checkpoints) => {
      if (checkpoints.length > 0) commit(() => checkpointInflight(checkpoints));
    },
  };
}

const runNow = (transaction: () => void): void => transaction();

/**
 * Runs a transaction at `synchronous=NORMAL`, then puts the connection back to FULL (even when
 * the transaction threw). The PRAGMA is compiled each time — SQLite applies a `synchronous`
 * assignment when the statement is compiled, so a kept prepared one is unreliable — by `exec`
 * (sqlite3_exec: no statement object, no result rows), about a third of `database.pragma`'s cost;
 * at one request in flight this runs once per request.
 */
function withoutSync(database: SqliteDatabase.Database): (transaction: () => void) => void {
  return (transaction) => {
    database.exec('PRAGMA synchronous = NORMAL');
    try {
      transaction();
    } finally {
      database.exec('PRAGMA synchronous = FULL');
    }
  };
}
