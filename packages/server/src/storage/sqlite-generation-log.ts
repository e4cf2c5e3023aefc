import { duplicateId, type SqliteWriteBatch } from './sqlite-write-batch.js';
import type { GenerationRow, Storage, StoredGeneration } from './storage.js';

/**
 * Group commits of fewer records than this are appended to `generation_log`; larger ones write
 * their records, indexes and rollups at once (their cost per record is already low).
 */
export const LOG_BELOW_ROWS = 16;

/** Most milliseconds a logged record waits to be materialized when nothing reads. */
const MATERIALIZE_AFTER_MS = 20;

/** Logged records held before they are materialized without waiting for the timer. */
const MATERIALIZE_AT_ROWS = 256;

/**
 * Runs a write on the main connection once no Kysely transaction holds it (synchronously when
 * none does).
 */
export type RunLocked = (write: () => void) => void | Promise<void>;

/**
 * Records committed to `generation_log` and not yet written into `generations`, their content
 * and the rollups (decision 0044). A commit of a few records appends only their rows — one
 * B-tree, appended at its end — so the response's last byte waits for one small WAL append
 * instead of ~12 pages (the row, its primary key and five indexes, content, two rollups). The
 * rows are *materialized* soon after in batches, in one transaction that also deletes them from
 * the log: a record is always in exactly one of the two places. Until then this process holds
 * them in memory, and every read of records or usage sees them: a lookup by id from memory, any
 * other read after materializing what is held ({@link withLogReads}). A crash leaves them in the
 * log, and the next start materializes them before serving ({@link GenerationLog.recover}).
 */
export class GenerationLog {
  readonly #batch: SqliteWriteBatch;
  readonly #runLocked: RunLocked;
  /** Logged and not yet materialized, by id (reads by id). */
  readonly #held = new Map<string, GenerationRow>();
  /** Logged rows no materialization has taken yet, in log order, and the last one's seq. */
  #queued: GenerationRow[] = [];
  #queuedThroughSeq = 0;
  #timer: NodeJS.Timeout | null = null;
  /** The materializations started, in order; settles when the last has. */
  #writing: Promise<void> = Promise.resolve();

  constructor(batch: SqliteWriteBatch, runLocked: RunLocked) {
    this.#batch = batch;
    this.#runLocked = runLocked;
  }

  /** Materializes what a previous process left in the log (at start, before serving). */
  async recover(): Promise<number> {
    const { rows, lastSeq } = this.#batch.readLog();
    if (rows.length > 0) await this.#runLocked(() => this.#batch.materialize(rows, lastSeq));
    return rows.length;
  }

  /**
   * Commits `rows` to the log (synchronously, on the connection the caller holds) and holds them
   * until they are materialized.
   */
  append(rows: readonly GenerationRow[]): void {
    if (rows.length === 0) return;
    this.refuseHeld(rows);
    const seq = this.#batch.appendToLog(rows);
    for (const row of rows) {
      this.#held.set(row.id, row);
      this.#queued.push(row);
    }
    this.#queuedThroughSeq = seq;
    if (this.#queued.length >= MATERIALIZE_AT_ROWS) {
      this.#cancelTimer();
      setImmediate(() => this.#materializeInBackground());
    } else if (this.#timer === null) {
      this.#timer = setTimeout(() => {
        this.#timer = null;
        this.#materializeInBackground();
      }, MATERIALIZE_AFTER_MS);
      this.#timer.unref();
    }
  }

  /**
   * Throws, as a duplicate primary key would, when a row's id is held or repeats in `rows`: its
   * materialization would fail and stop every later one. (Ids already in `generations` are
   * refused by the append itself, or by the primary key of a direct insert.)
   */
  refuseHeld(rows: readonly GenerationRow[]): void {
    if (rows.length > 1) {
      const seen = new Set<string>();
      for (const row of rows) {
        if (seen.has(row.id)) throw duplicateId();
        seen.add(row.id);
      }
    }
    this.refuseHeldOnly(rows);
  }

  /** {@link refuseHeld} for rows inserted into `generations` directly: its key refuses repeats. */
  refuseHeldOnly(rows: readonly GenerationRow[]): void {
    if (this.#held.size === 0) return;
    for (const row of rows) if (this.#held.has(row.id)) throw duplicateId();
  }

  /** A held record by id (its row as committed), or undefined. */
  held(id: string): GenerationRow | undefined {
    return this.#held.get(id);
  }

  /** Settles once every record logged so far is materialized (rejects if that failed). */
  materialize(): Promise<void> {
    this.#cancelTimer();
    if (this.#queued.length > 0) {
      const rows = this.#queued;
      const throughSeq = this.#queuedThroughSeq;
      this.#queued = [];
      this.#writing = this.#writing
        .catch(() => undefined) // an earlier failure put its rows back: they are in `rows`
        .then(() => this.#runLocked(() => this.#batch.materialize(rows, throughSeq)))
        .then(
          () => {
            for (const row of rows) this.#held.delete(row.id);
          },
          (error: unknown) => {
            // Still in the log and still held: the next materialization takes them again.
            this.#queued = [...rows, ...this.#queued];
            this.#queuedThroughSeq = Math.max(this.#queuedThroughSeq, throughSeq);
            throw error;
          },
        );
    }
    return this.#writing;
  }

  /** Whether records are held (logged, not yet materialized). */
  get holding(): boolean {
    return this.#held.size > 0;
  }

  #materializeInBackground(): void {
    // A failure keeps the rows queued; the next commit's timer or the next read tries again.
    this.materialize().catch(() => undefined);
  }

  #cancelTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}

/** A held record as `generations.get` returns it. */
function stored(row: GenerationRow): StoredGeneration {
  return { keyHash: row.keyHash, recordVersion: row.recordVersion, record: row.record };
}

/**
 * `storage` whose reads see the records held by `log`: by id from memory, every other read of
 * records, usage, reports, retention or the journal after materializing them. Closing
 * materializes what is held first.
 */
export function withLogReads(storage: Storage, log: GenerationLog): Storage {
  const settled = async <Result>(read: () => Promise<Result>): Promise<Result> => {
    if (log.holding) await log.materialize();
    return read();
  };
  const { generations, reports, retention, inflight } = storage;
  return {
    ...storage,
    generations: {
      insertMany: (rows) => generations.insertMany(rows),
      get: (id) => {
        const row = log.held(id);
        return row === undefined ? generations.get(id) : Promise.resolve(stored(row));
      },
      getContent: (id) => {
        const row = log.held(id);
        if (row === undefined) return generations.getContent(id);
        return Promise.resolve(row.content ?? undefined);
      },
      sumUsage: (keyHash, sinceIso) => settled(() => generations.sumUsage(keyHash, sinceIso)),
      sumByokUsage: (keyHash, sinceIso) =>
        settled(() => generations.sumByokUsage(keyHash, sinceIso)),
      sumAllUsage: () => settled(() => generations.sumAllUsage()),
      sumUsageBefore: (keyHash, sinceIso, beforeIso) =>
        settled(() => generations.sumUsageBefore(keyHash, sinceIso, beforeIso)),
      count: () => settled(() => generations.count()),
    },
    reports: {
      listGenerations: (filter, after, limit) =>
        settled(() => reports.listGenerations(filter, after, limit)),
      activity: (sinceDay, beforeDay) => settled(() => reports.activity(sinceDay, beforeDay)),
      summary: (query) => settled(() => reports.summary(query)),
    },
    retention: {
      purgeBatch: (beforeIso, limit) => settled(() => retention.purgeBatch(beforeIso, limit)),
    },
    inflight: {
      ...inflight,
      // Finalizing keeps a record that exists: it must see the held ones.
      finalizeMany: (records) => settled(() => inflight.finalizeMany(records)),
    },
    async close() {
      try {
        await log.materialize();
      } finally {
        await storage.close();
      }
    },
  };
}
