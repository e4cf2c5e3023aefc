import { setTimeout as delay } from 'node:timers/promises';
import type { GenerationStore, InflightStore, StoredGeneration } from '../storage/storage.js';
import type { NodeLeases } from './node-leases.js';

/** What {@link awaitInflightRecord} reads and may trigger. */
export interface InflightLookup {
  generations: Pick<GenerationStore, 'get'>;
  inflight: Pick<InflightStore, 'get'>;
  leases: Pick<NodeLeases, 'recoverIfExpired'> | null;
  /** This node's id (its own rows are finalized by its own handlers). */
  nodeId: string;
  /** Longest wait (ms). */
  waitMs: number;
}

/** First poll after this many ms, doubling up to {@link MAX_POLL_MS}. */
const FIRST_POLL_MS = 2;
const MAX_POLL_MS = 50;

/**
 * The record of `id` after a lookup missed it: if the deployment still has the generation in
 * flight (a journal row, on any node) and it is the caller's (`keyHash`, or any key when null),
 * polls for its record for at most `waitMs`; if the row's node has an expired lease, its recovery
 * is triggered here. Undefined when the id is not in flight, is another key's, or the wait ran out.
 * Only ever called on a miss, so the ordinary lookup stays one indexed read.
 */
export async function awaitInflightRecord(
  lookup: InflightLookup,
  id: string,
  keyHash: string | null,
): Promise<StoredGeneration | undefined> {
  const row = await lookup.inflight.get(id);
  // No row: never journaled, or its record was committed between the two reads (same transaction
  // as the row's deletion), so one more read settles it.
  if (row === undefined) return lookup.generations.get(id);
  if (keyHash !== null && row.keyHash !== keyHash) return undefined;
  const deadline = performance.now() + lookup.waitMs;
  let pause = FIRST_POLL_MS;
  let recovery: Promise<void> | null = null;
  for (;;) {
    const stored = await lookup.generations.get(id);
    if (stored !== undefined) return stored;
    const remaining = deadline - performance.now();
    if (remaining <= 0) return undefined;
    if (recovery === null && row.nodeId !== lookup.nodeId && lookup.leases !== null) {
      recovery = lookup.leases.recoverIfExpired(row.nodeId);
    }
    await delay(Math.min(pause, remaining));
    pause = Math.min(pause * 2, MAX_POLL_MS);
  }
}
