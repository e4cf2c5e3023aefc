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
  /** Journal rows whose record already existed (dropped). */
  alreadyCommitted: number;
  /** Journal rows that could not be read (left in place, logged). */
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

/**
 * The record of a generation whose process died mid-stream: cancelled (nobody finished it),
 * `finish_reason` null (none was seen), no upstream usage, timings and upstream id unknown. The
 * produced text is unknown, so the completion is billed as 0 tokens (`tokens_completion` null,
 * `native_tokens_completion` 0 with `native_tokens_estimated`) and the prompt side — prompt tokens
 * as counted at request time, the request price, prompt images — is billed by the cost engine
 * with zero-completion insurance off, since an empty completion cannot be established.
 */
export function finishRecovered(pending: PendingFacts): FinishedGeneration {
  const { promptEstimated, ...known } = pending;
  return finishGeneration({
    ...known,
    upstreamId: null,
    cancelled: true,
    latencyMs: null,
    generationTimeMs: null,
    finishReason: null,
    nativeFinishReason: null,
    nativeUsage: null,
    normalizedCompletionTokens: null,
    normalizedEstimated: promptEstimated,
    numMediaCompletion: 0,
    serviceTier: null,
    completionUnknown: true,
  });
}

/**
 * Finalizes the in-flight journal rows `nodeId` owns (left by a kill -9 or a failed commit) into
 * complete records; run at start, before serving. Each batch inserts its records and deletes their
 * rows in one transaction, so a crash during recovery only leaves rows for the next start, and a
 * row whose record already exists is dropped: running it again changes nothing.
 */
export async function recoverInflight(
  storage: Pick<Storage, 'generations' | 'inflight'>,
  nodeId: string,
  logger: Logger,
): Promise<RecoveryResult> {
  const result: RecoveryResult = { recovered: 0, alreadyCommitted: 0, unreadable: 0, charges: [] };
  const rows = await storage.inflight.listByNode(nodeId);
  const committed: string[] = [];
  let batch: GenerationRow[] = [];
  const commitBatch = async () => {
    await storage.generations.insertMany(batch);
    result.recovered += batch.length;
    for (const row of batch) {
      if (row.usagePico === 0n) continue;
      const createdAtMs = Date.parse(row.createdAt);
      result.charges.push({ keyHash: row.keyHash, usagePico: row.usagePico, createdAtMs });
    }
    batch = [];
  };
  for (const row of rows) {
    if ((await storage.generations.get(row.id)) !== undefined) {
      committed.push(row.id);
      continue;
    }
    let pending: PendingFacts;
    try {
      pending = parsePendingFacts(row);
    } catch (error) {
      result.unreadable += 1;
      logger.error({ err: error, generationId: row.id }, 'in-flight journal row unreadable');
      continue;
    }
    batch.push(finishRecovered(pending).row);
    if (batch.length >= RECOVERY_BATCH) await commitBatch();
  }
  if (batch.length > 0) await commitBatch();
  await storage.inflight.deleteMany(committed);
  result.alreadyCommitted = committed.length;
  if (rows.length > 0) {
    const { charges, ...counts } = result;
    logger.warn({ nodeId, ...counts, charged: charges.length }, 'recovered in-flight generations');
  }
  return result;
}
