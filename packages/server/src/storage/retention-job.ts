import type { Logger } from 'pino';
import type { RetentionStore } from './storage.js';

const DAY_MS = 86_400_000;

/** Options of {@link startRetention}. */
export interface RetentionOptions {
  retention: RetentionStore;
  /** Records older than this many days are deleted (their usage stays in rollups). */
  retentionDays: number;
  now: () => number;
  logger: Logger;
  /** Rows per transaction (default 1,000): bounded locks and transaction size. */
  batchSize?: number;
  /** Batches per run (default 100): one run never monopolizes the database. */
  maxBatchesPerRun?: number;
  /** Time between runs (default one hour). */
  intervalMs?: number;
}

/** A running retention job. */
export interface RetentionJob {
  /** Runs one bounded pass now (after any pass in progress); resolves with the rows deleted. */
  runOnce(): Promise<number>;
  /** Stops the timer and waits for a pass in progress. */
  stop(): Promise<void>;
}

/**
 * Periodically deletes generation records older than `retentionDays`, in batches of `batchSize`,
 * at most `maxBatchesPerRun` per pass; the first pass starts at once. A failed pass is logged and
 * retried at the next interval.
 */
export function startRetention(options: RetentionOptions): RetentionJob {
  const batchSize = options.batchSize ?? 1000;
  const maxBatches = options.maxBatchesPerRun ?? 100;
  let running: Promise<number> = Promise.resolve(0);
  let stopped = false;

  async function pass(): Promise<number> {
    const cutoff = new Date(options.now() - options.retentionDays * DAY_MS).toISOString();
    let total = 0;
    for (let batch = 0; batch < maxBatches && !stopped; batch += 1) {
      const deleted = await options.retention.purgeBatch(cutoff, batchSize);
      total += deleted;
      if (deleted < batchSize) break;
    }
    if (total > 0) options.logger.info({ deleted: total, before: cutoff }, 'retention pass');
    return total;
  }

  function runOnce(): Promise<number> {
    running = running.catch(() => 0).then(pass);
    return running;
  }

  function scheduled(): void {
    runOnce().catch((error: unknown) => {
      options.logger.warn({ err: error }, 'retention pass failed');
    });
  }

  const timer = setInterval(scheduled, options.intervalMs ?? 3_600_000);
  timer.unref();
  scheduled();
  return {
    runOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running.catch(() => undefined);
    },
  };
}
