import type SqliteDatabase from 'better-sqlite3';
import type { GenerationRow, InflightCheckpoint, InflightRow } from './storage.js';
import { fold, MEASURES, measureValues, ROLLUPS, type Rollup } from './usage-rollups.js';

/** The durable writes of a SQLite file, each one transaction (one commit, one fsync at `power`). */
export interface SqliteWriteBatch {
  /** Records, their stored content, their rollups, and the removal of their journal rows. */
  insertGenerations(rows: readonly GenerationRow[]): void;
  /**
   * Appends rows to `generation_log` and removes their journal rows: the commit of records whose
   * `generations` rows, content and rollups are written later by {@link materialize}
   * (decision 0044). Returns the `seq` of the last row appended.
   */
  appendToLog(rows: readonly GenerationRow[]): number;
  /**
   * Writes logged rows into `generations`, `generation_content` and the rollups, and deletes
   * every log row up to `throughSeq`, in one transaction: a logged record is in exactly one of
   * the two places.
   */
  materialize(rows: readonly GenerationRow[], throughSeq: number): void;
  /** Every row of `generation_log` (what a crash left there), in commit order, and the last seq. */
  readLog(): { rows: GenerationRow[]; lastSeq: number };
  insertInflight(rows: readonly InflightRow[]): void;
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

const GENERATION_COLUMNS = [
  'id',
  'key_hash',
  'request_id',
  'created_at',
  'model',
  'provider_name',
  'api_type',
  'is_byok',
  'cancelled',
  'usage_pico',
  'total_cost_pico',
  'upstream_cost_pico',
  'record_version',
  'external_user',
  'session_id',
  'outcome',
  'record',
] as const;

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

/** `generation_log`'s columns: a {@link GenerationRow} whole (migration 0011). */
const LOG_COLUMNS = [
  'id',
  'key_hash',
  'request_id',
  'created_at',
  'model',
  'provider_name',
  'api_type',
  'is_byok',
  'cancelled',
  'usage_pico',
  'total_cost_pico',
  'upstream_cost_pico',
  'record_version',
  'endpoint_id',
  'external_user',
  'session_id',
  'outcome',
  'prompt_tokens',
  'completion_tokens',
  'reasoning_tokens',
  'content',
  'record',
] as const;

/** A row's `generation_log` values, in {@link LOG_COLUMNS} order. */
function logValues(row: GenerationRow): unknown[] {
  return [
    row.id,
    row.keyHash,
    row.requestId,
    row.createdAt,
    row.model,
    row.providerName,
    row.apiType,
    row.isByok ? 1 : 0,
    row.cancelled ? 1 : 0,
    row.usagePico,
    row.totalCostPico,
    row.upstreamCostPico,
    row.recordVersion,
    row.endpointId,
    row.externalUser,
    row.sessionId,
    row.outcome,
    row.promptTokens,
    row.completionTokens,
    row.reasoningTokens,
    row.content === null ? null : contentBuffer(row.content),
    row.record,
  ];
}

/** A `generation_log` row read back (integers as bigint), as the {@link GenerationRow} it was. */
function fromLogValues(values: unknown[]): GenerationRow {
  const [
    id,
    keyHash,
    requestId,
    createdAt,
    model,
    providerName,
    apiType,
    isByok,
    cancelled,
    usagePico,
    totalCostPico,
    upstreamCostPico,
    recordVersion,
    endpointId,
    externalUser,
    sessionId,
    outcome,
    promptTokens,
    completionTokens,
    reasoningTokens,
    content,
    record,
  ] = values;
  return {
    id: id as string,
    keyHash: keyHash as string,
    requestId: requestId as string,
    createdAt: createdAt as string,
    model: model as string,
    providerName: providerName as string | null,
    apiType: apiType as string | null,
    isByok: isByok === 1n,
    cancelled: cancelled === 1n,
    usagePico: usagePico as bigint,
    totalCostPico: totalCostPico as bigint,
    upstreamCostPico: upstreamCostPico as bigint | null,
    recordVersion: Number(recordVersion),
    endpointId: endpointId as string | null,
    externalUser: externalUser as string | null,
    sessionId: sessionId as string | null,
    outcome: outcome as GenerationRow['outcome'],
    promptTokens: Number(promptTokens),
    completionTokens: Number(completionTokens),
    reasoningTokens: Number(reasoningTokens),
    content: content === null ? null : (content as Buffer),
    record: record as string,
  };
}

/** The error of a record whose id is already committed, as SQLite words it for `generations`. */
export function duplicateId(): Error {
  return Object.assign(new Error('UNIQUE constraint failed: generations.id'), {
    code: 'SQLITE_CONSTRAINT_PRIMARYKEY',
  });
}

/** Stored content as a Buffer: a row posted to the writer thread arrives with a plain Uint8Array. */
function contentBuffer(content: Uint8Array): Buffer {
  return Buffer.from(content.buffer, content.byteOffset, content.byteLength);
}

/** A record's `generations` values, in {@link GENERATION_COLUMNS} order. */
function generationValues(row: GenerationRow): unknown[] {
  return [
    row.id,
    row.keyHash,
    row.requestId,
    row.createdAt,
    row.model,
    row.providerName,
    row.apiType,
    row.isByok ? 1 : 0,
    row.cancelled ? 1 : 0,
    row.usagePico,
    row.totalCostPico,
    row.upstreamCostPico,
    row.recordVersion,
    row.externalUser,
    row.sessionId,
    row.outcome,
    row.record,
  ];
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
  const checkpoint = database.prepare(
    'update inflight_generations set relayed_bytes = ? where id = ?',
  );

  // Migration 0011 creates the log on every SQLite file.
  const appendLog = database.prepare(insertSql('generation_log', LOG_COLUMNS));
  const deleteLog = database.prepare('delete from generation_log where seq <= ?');
  const generationExists = database.prepare('select 1 from generations where id = ?').pluck();
  const selectLog = database
    .prepare(`select seq, ${LOG_COLUMNS.join(', ')} from generation_log order by seq`)
    .raw(true)
    .safeIntegers(true);

  /** A batch's records, content and rollups (inside the caller's transaction). */
  const writeRecords = (rows: readonly GenerationRow[]) => {
    for (const row of rows) insertGeneration.run(generationValues(row));
    for (const row of rows) {
      if (row.content !== null) insertContent.run(row.id, contentBuffer(row.content));
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
  };
  const insertGenerations = database.transaction((rows: readonly GenerationRow[]) => {
    writeRecords(rows);
    // Same transaction: a record and its in-flight journal row never both survive a crash.
    for (const row of rows) deleteJournal.run(row.id);
  });
  const appendToLog = database.transaction((rows: readonly GenerationRow[]): number => {
    // `generations.id` is the primary key there, not here: a duplicate is refused as it would be.
    for (const row of rows) {
      if (generationExists.get(row.id) !== undefined) throw duplicateId();
    }
    let seq = 0;
    for (const row of rows) seq = Number(appendLog.run(logValues(row)).lastInsertRowid);
    // Same transaction: a logged record is committed, and its journal row must not survive it.
    for (const row of rows) deleteJournal.run(row.id);
    return seq;
  });
  const materialize = database.transaction((rows: readonly GenerationRow[], throughSeq: number) => {
    writeRecords(rows);
    deleteLog.run(throughSeq);
  });
  const insertInflight = database.transaction((rows: readonly InflightRow[]) => {
    for (const row of rows) {
      insertJournal.run(
        row.id,
        row.nodeId,
        row.keyHash,
        row.createdAt,
        row.factsVersion,
        row.facts,
      );
    }
  });
  const deleteInflight = database.transaction((ids: readonly string[]) => {
    for (const id of ids) deleteJournal.run(id);
  });
  // Rows already finalized are simply not matched.
  const checkpointInflight = database.transaction((checkpoints: readonly InflightCheckpoint[]) => {
    for (const each of checkpoints) checkpoint.run(each.relayedBytes, each.id);
  });

  const commit = options.commitWithoutSync === true ? withoutSync(database) : runNow;
  return {
    insertGenerations: (rows) => {
      if (rows.length > 0) commit(() => insertGenerations(rows));
    },
    appendToLog: (rows) => {
      let seq = 0;
      // BEGIN IMMEDIATE: the transaction reads (the duplicate check) before it writes, and a
      // deferred one would then fail at once with SQLITE_BUSY, without waiting out the busy
      // timeout, whenever another connection (the writer thread's rare writes) wrote since.
      if (rows.length > 0) commit(() => (seq = appendToLog.immediate(rows)));
      return seq;
    },
    materialize: (rows, throughSeq) => {
      if (rows.length > 0) commit(() => materialize(rows, throughSeq));
    },
    readLog: () => {
      const rows: GenerationRow[] = [];
      let lastSeq = 0;
      for (const [seq, ...values] of selectLog.all() as unknown[][]) {
        rows.push(fromLogValues(values));
        lastSeq = Number(seq);
      }
      return { rows, lastSeq };
    },
    insertInflight: (rows) => {
      if (rows.length > 0) commit(() => insertInflight(rows));
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
