import { DEFAULTS } from '../config/defaults.js';
import type { InflightCheckpoint, InflightRow, InflightStore } from '../storage/storage.js';
import type { GenerationFacts } from './generation-record.js';
import { createGroupCommit, type GroupCommit } from './group-commit.js';
import { toRecordTimestamp } from './ids.js';

/** The facts only the end of a generation tells. */
type OutcomeFact =
  | 'upstreamId'
  | 'cancelled'
  | 'latencyMs'
  | 'generationTimeMs'
  | 'finishReason'
  | 'nativeFinishReason'
  | 'nativeUsage'
  | 'normalizedCompletionTokens'
  | 'normalizedEstimated'
  | 'numMediaCompletion'
  | 'serviceTier'
  | 'completionUnknown';

/**
 * What is known of a generation before its outcome: everything a complete record needs except
 * what only the end tells (upstream id, timings, finish reason, usage, completion).
 */
export type PendingFacts = Omit<GenerationFacts, OutcomeFact> & {
  /** The normalized prompt count is not a tokenizer count (see `tokens_estimated`). */
  promptEstimated: boolean;
};

/** Layout version of the serialized {@link PendingFacts}. */
export const FACTS_VERSION = 1;

/** A bigint in JSON: `{"$bigint":"123"}` (prices and fees are pico-USD bigints). */
interface TaggedBigInt {
  $bigint: string;
}

const isTaggedBigInt = (value: unknown): value is TaggedBigInt =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { $bigint?: unknown }).$bigint === 'string' &&
  Object.keys(value).length === 1;

/** Serializes pending facts for the journal (bigints tagged, everything else as JSON). */
export function serializePendingFacts(facts: PendingFacts): string {
  return JSON.stringify(facts, (_key, value: unknown) =>
    typeof value === 'bigint' ? { $bigint: value.toString() } : value,
  );
}

/** Parses what {@link serializePendingFacts} wrote; throws on a row that is not such facts. */
export function parsePendingFacts(row: InflightRow): PendingFacts {
  if (row.factsVersion !== FACTS_VERSION) {
    throw new Error(`in-flight row ${row.id}: unknown facts version ${row.factsVersion}`);
  }
  const facts: unknown = JSON.parse(row.facts, (_key, value: unknown) =>
    isTaggedBigInt(value) ? BigInt(value.$bigint) : value,
  );
  const candidate = facts as Partial<PendingFacts> | null;
  if (
    candidate === null ||
    typeof candidate !== 'object' ||
    candidate.id !== row.id ||
    candidate.keyHash !== row.keyHash ||
    typeof candidate.createdAtMs !== 'number' ||
    typeof candidate.prices !== 'object' ||
    !Array.isArray(candidate.providerResponses)
  ) {
    throw new Error(`in-flight row ${row.id}: facts do not match the row`);
  }
  // Rows journaled before 2026-12-07 may hold null for an unknown attempt field; the record
  // omits it instead (the strict SDK rejects null there).
  for (const attempt of candidate.providerResponses as unknown as Array<Record<string, unknown>>) {
    for (const [field, value] of Object.entries(attempt)) {
      if (value === null && field !== 'status') delete attempt[field];
    }
  }
  return facts as PendingFacts;
}

/** The journal row of pending facts, owned by `nodeId`. Serialized now, not at commit time. */
export function toInflightRow(facts: PendingFacts, nodeId: string): InflightRow {
  return {
    id: facts.id,
    nodeId,
    keyHash: facts.keyHash,
    createdAt: toRecordTimestamp(facts.createdAtMs),
    factsVersion: FACTS_VERSION,
    facts: serializePendingFacts(facts),
    relayedBytes: null,
  };
}

/** Options of the {@link InflightJournal}. */
export interface InflightJournalOptions {
  /**
   * How often relayed completion text is checkpointed (ms): at most one write per interval for
   * all the node's streams together; 0 turns checkpoints off. Default: `DEFAULTS.inflight`.
   */
  checkpointIntervalMs?: number;
  /** Told when a checkpoint write fails (the next interval retries with newer totals). */
  onCheckpointError?: (error: unknown) => void;
}

/**
 * The in-flight journal: before a generation id reaches a client ahead of its record (a stream's
 * headers), the generation's pending facts are committed here, group-committed like the ledger
 * so concurrent streams share one transaction and one fsync. While a stream runs, the completion
 * text it has relayed is checkpointed into its row (batched across streams, at most once per
 * interval). The record's commit deletes the row in the same transaction; rows left by a crash are
 * finalized at the next start or by a surviving node once the lease expired
 * ({@link recoverInflight} in `recover-inflight.ts`, `node-leases.ts`).
 */
export class InflightJournal {
  /** The node whose rows these are (others recover them only once its lease expired). */
  readonly nodeId: string;
  readonly #commits: GroupCommit<InflightRow>;
  /** Generations journaled whose handler has not finished yet. */
  readonly #open = new Set<string>();
  readonly #idleWaiters: Array<() => void> = [];
  readonly #store: InflightStore;
  readonly #checkpointMs: number;
  readonly #onCheckpointError: (error: unknown) => void;
  /** Relayed bytes per stream not yet checkpointed (latest total). */
  readonly #dirty = new Map<string, number>();
  /** Facts per stream not yet written (see {@link refresh}); serialized when written. */
  readonly #dirtyFacts = new Map<string, PendingFacts>();
  #checkpointTimer: NodeJS.Timeout | null = null;
  #checkpointing: Promise<void> | null = null;

  constructor(store: InflightStore, nodeId: string, options: InflightJournalOptions = {}) {
    this.nodeId = nodeId;
    this.#store = store;
    this.#commits = createGroupCommit((rows) => store.insertMany(rows));
    this.#checkpointMs = options.checkpointIntervalMs ?? DEFAULTS.inflight.checkpointIntervalMs;
    this.#onCheckpointError = options.onCheckpointError ?? (() => undefined);
  }

  /**
   * A journaled stream has relayed `totalBytes` of completion text (UTF-8) to its client so far.
   * Only remembered here (a map write); a timer writes the totals of every stream that moved, in
   * one statement, at most once per checkpoint interval.
   */
  relayed(id: string, totalBytes: number): void {
    if (this.#checkpointMs === 0 || !this.#open.has(id)) return;
    this.#dirty.set(id, totalBytes);
    this.#checkpointTimer ??= this.#scheduleCheckpoint();
  }

  /**
   * The facts of a journaled stream changed only in what billing and recovery do not read — the
   * attempt journaled in flight has answered (its status, its latency): written lazily, with the
   * next checkpoint (an update, never an insert: a row already finalized stays gone). With
   * checkpoints off, never: the row keeps the attempt as journaled, in flight (status null).
   */
  refresh(facts: PendingFacts): void {
    if (this.#checkpointMs === 0 || !this.#open.has(facts.id)) return;
    // Serialized only if the stream is still open when the timer fires: most end before.
    this.#dirtyFacts.set(facts.id, facts);
    this.#checkpointTimer ??= this.#scheduleCheckpoint();
  }

  #scheduleCheckpoint(): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.#checkpointing = this.#writeCheckpoints().finally(() => {
        this.#checkpointing = null;
        this.#checkpointTimer = null;
        if (this.#dirty.size > 0 || this.#dirtyFacts.size > 0) {
          this.#checkpointTimer = this.#scheduleCheckpoint();
        }
      });
    }, this.#checkpointMs);
    timer.unref();
    return timer;
  }

  async #writeCheckpoints(): Promise<void> {
    const checkpoints: InflightCheckpoint[] = [];
    for (const [id, relayedBytes] of this.#dirty) {
      const facts = this.#dirtyFacts.get(id);
      checkpoints.push({
        id,
        relayedBytes,
        facts: facts === undefined ? undefined : serializePendingFacts(facts),
      });
    }
    for (const [id, facts] of this.#dirtyFacts) {
      if (this.#dirty.has(id)) continue;
      checkpoints.push({ id, relayedBytes: null, facts: serializePendingFacts(facts) });
    }
    this.#dirty.clear();
    this.#dirtyFacts.clear();
    try {
      await this.#store.checkpoint(checkpoints);
    } catch (error) {
      this.#onCheckpointError(error);
    }
  }

  /** Stops checkpointing (at close), after the write under way if any. */
  async stopCheckpoints(): Promise<void> {
    if (this.#checkpointTimer !== null) clearTimeout(this.#checkpointTimer);
    this.#dirty.clear();
    this.#dirtyFacts.clear();
    await this.#checkpointing;
    if (this.#checkpointTimer !== null) clearTimeout(this.#checkpointTimer);
    this.#checkpointTimer = null;
  }

  /**
   * Journals a generation about to be exposed; resolves once the row is durable. Call
   * {@link done} when its handler has finished, whatever happened.
   */
  open(facts: PendingFacts): Promise<void> {
    this.#open.add(facts.id);
    return this.#commits.commit(toInflightRow(facts, this.nodeId));
  }

  /**
   * Replaces the facts of a generation journaled by {@link open} (whose write has settled): the
   * candidate that answered is not the one journaled. Resolves once durable. Call it only before
   * the generation's record is committed: an insert-or-replace landing after the commit that
   * deleted the row would bring it back.
   */
  rewrite(facts: PendingFacts): Promise<void> {
    this.#open.add(facts.id);
    return this.#store.upsertMany([toInflightRow(facts, this.nodeId)]);
  }

  /** The handler of a journaled generation has finished (its record committed, or not). */
  done(id: string): void {
    this.#open.delete(id);
    this.#dirty.delete(id);
    this.#dirtyFacts.delete(id);
    if (this.#open.size === 0) for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }

  /** Resolves once every journaled generation's handler has finished (at once if none is open). */
  idle(): Promise<void> {
    if (this.#open.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Rows waiting for or in a commit. */
  get pendingCommits(): number {
    return this.#commits.pending;
  }

  /** Waits until every queued row is written. */
  flush(): Promise<void> {
    return this.#commits.flush();
  }
}
