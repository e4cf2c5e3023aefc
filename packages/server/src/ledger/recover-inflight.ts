import type { Logger } from 'pino';
import type { GenerationRow, Storage } from '../storage/storage.js';
import { type FinishedGeneration, finishGeneration } from './generation-record.js';
import { type PendingFacts, parsePendingFacts } from './inflight-journal.js';

/** Records committed per transaction while recovering. */
const RECOVERY_BATCH = 1000;

/** What {@link recoverInflight} did. */
export interface RecoveryResult {
  /** Journal rows finalized into new records. */
  recovered: number;
  /** Journal rows whose record already existed, or that another node finalized first. */
  alreadyCommitted: number;
  /** Journal rows that could not be read, or written as records (left in place, logged). */
  unreadable: number;
  /** What the recovered records charged (non-zero only), for the spend guard's shared counters. */
  charges: RecoveredCharge[];
}

/** A charge of a recovered record. */
export interface RecoveredCharge {
  keyHash: string;
  usagePico: bigint;
  createdAtMs: number;
}

/** The completion tokens estimated from relayed text: `ceil(utf8Bytes / 4)`, as for oversize text. */
export function estimateRelayedTokens(relayedBytes: number): number {
  return Math.ceil(relayedBytes / 4);
}

/**
 * The record of a generation whose process died mid-stream: cancelled (nobody finished it),
 * `finish_reason` null (none was seen), no upstream usage, timings and upstream id unknown. The
 * prompt side — prompt tokens as counted at request time, the request price, prompt images — is
 * billed as journaled. The completion is billed from the last checkpoint: `relayedBytes` of text
 * had reached the client, estimated as `ceil(bytes / 4)` tokens (`tokens_completion` and
 * `native_tokens_completion`, both flagged estimated); with no checkpoint (`null`) the text is
 * unknown and billed as 0 (`tokens_completion` null). Zero-completion insurance is off either way,
 * since an empty completion cannot be established.
 */
export function finishRecovered(
  pending: PendingFacts,
  relayedBytes: number | null = null,
): FinishedGeneration {
  const { promptEstimated, ...known } = pending;
  const completionTokens = relayedBytes === null ? null : estimateRelayedTokens(relayedBytes);
  return finishGeneration({
    ...known,
    upstreamId: null,
    cancelled: true,
    latencyMs: null,
    generationTimeMs: null,
    finishReason: null,
    nativeFinishReason: null,
    nativeUsage: null,
    normalizedCompletionTokens: completionTokens,
    normalizedEstimated: promptEstimated || completionTokens !== null,
    numMediaCompletion: 0,
    serviceTier: null,
    completionUnknown: true,
  });
}

/** Finalizer attempts per batch: a concurrent finalizer of the same rows may deadlock one. */
const FINALIZE_ATTEMPTS = 3;

async function finalizeWithRetry(
  storage: Pick<Storage, 'inflight'>,
  batch: readonly GenerationRow[],
  logger: Logger,
): Promise<string[]> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await storage.inflight.finalizeMany(batch);
    } catch (error) {
      // Rolled back whole: retrying finalizes what the other finalizer did not.
      if (attempt >= FINALIZE_ATTEMPTS) throw error;
      logger.warn({ err: error, attempt }, 'in-flight recovery batch failed; retrying');
    }
  }
}

/**
 * Finalizes the in-flight journal rows `nodeId` owns (left by a kill -9 or a failed commit) into
 * complete records: run by the node itself at start, before serving, and by a surviving node that
 * claimed a dead node's expired lease (`node-leases.ts`). Each batch deletes its rows and inserts
 * the records of exactly the rows it deleted, in one transaction (`InflightStore.finalizeMany`):
 * two nodes finalizing the same row create one record, a crash during recovery only leaves rows
 * for the next run, and running it again changes nothing.
 */
export async function recoverInflight(
  storage: Pick<Storage, 'inflight'>,
  nodeId: string,
  logger: Logger,
): Promise<RecoveryResult> {
  const result: RecoveryResult = { recovered: 0, alreadyCommitted: 0, unreadable: 0, charges: [] };
  const rows = await storage.inflight.listByNode(nodeId);
  let batch: GenerationRow[] = [];
  const count = (rows: readonly GenerationRow[], inserted: ReadonlySet<string>) => {
    for (const row of rows) {
      if (!inserted.has(row.id)) {
        result.alreadyCommitted += 1;
        continue;
      }
      result.recovered += 1;
      if (row.usagePico === 0n) continue;
      const createdAtMs = Date.parse(row.createdAt);
      result.charges.push({ keyHash: row.keyHash, usagePico: row.usagePico, createdAtMs });
    }
  };
  const commitBatch = async () => {
    const rows = batch;
    batch = [];
    let failure: unknown;
    try {
      count(rows, new Set(await finalizeWithRetry(storage, rows, logger)));
      return;
    } catch (error) {
      if (rows.length === 1) throw error;
      failure = error;
    }
    // One row the store refuses must not keep the others from recovery: the rows one by one. A
    // row that still fails stays in the journal for the next run; when none can be written, the
    // store itself is failing, and recovery fails as a whole.
    const failed: { row: GenerationRow; error: unknown }[] = [];
    for (const row of rows) {
      try {
        count([row], new Set(await finalizeWithRetry(storage, [row], logger)));
      } catch (error) {
        failed.push({ row, error });
      }
    }
    if (failed.length === rows.length) throw failure;
    for (const { row, error } of failed) {
      result.unreadable += 1;
      logger.error({ err: error, generationId: row.id }, 'in-flight journal row not recoverable');
    }
  };
  for (const row of rows) {
    let pending: PendingFacts;
    try {
      pending = parsePendingFacts(row);
    } catch (error) {
      result.unreadable += 1;
      logger.error({ err: error, generationId: row.id }, 'in-flight journal row unreadable');
      continue;
    }
    batch.push(finishRecovered(pending, row.relayedBytes).row);
    if (batch.length >= RECOVERY_BATCH) await commitBatch();
  }
  if (batch.length > 0) await commitBatch();
  if (rows.length > 0) {
    const { charges, ...counts } = result;
    logger.warn({ nodeId, ...counts, charged: charges.length }, 'recovered in-flight generations');
  }
  return result;
}
