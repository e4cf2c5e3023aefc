/** Options of {@link createGroupCommit}. */
export interface GroupCommitOptions {
  /** Most items written in one batch. */
  maxBatch?: number;
  /**
   * Most batches written at once (default 1). Above 1, a batch starts as soon as one is free
   * rather than when the previous one ends, and a backlog of at least {@link SHARE_FROM} items
   * per free slot is shared among the free slots.
   */
  maxConcurrent?: number;
}

/** Commits items in batches; each `commit` resolves when its batch is durable. */
export interface GroupCommit<T> {
  commit(item: T): Promise<void>;
  /** Resolves once everything queued so far is written (or failed). */
  flush(): Promise<void>;
  /** Items waiting or being written. */
  readonly pending: number;
}

interface Waiter<T> {
  item: T;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Items per free slot from which a backlog is split among several concurrent batches. */
export const SHARE_FROM = 128;

/**
 * Group commit: items arriving while a batch is being written form the next batch, so under load
 * many records share one transaction (one fsync) and each caller still waits only for its own.
 * `write` must be all or nothing (one transaction): a failed batch is written again item by item.
 * With `maxConcurrent` above 1 the next batch may start while others are still being written
 * (PostgreSQL: its own connection and transaction), so preparing one overlaps writing another.
 */
export function createGroupCommit<T>(
  write: (items: readonly T[]) => Promise<void>,
  options: GroupCommitOptions = {},
): GroupCommit<T> {
  const maxBatch = Math.max(1, Math.trunc(options.maxBatch ?? 5000));
  const maxConcurrent = Math.max(1, Math.trunc(options.maxConcurrent ?? 1));
  let queue: Waiter<T>[] = [];
  let writing = 0;
  let inFlight = 0;
  let scheduled = false;
  let idle: Array<() => void> = [];

  function take(): Waiter<T>[] {
    const free = maxConcurrent - inFlight;
    const share = queue.length >= SHARE_FROM * free ? Math.ceil(queue.length / free) : queue.length;
    const batch = queue.slice(0, Math.min(maxBatch, share));
    queue = queue.slice(batch.length);
    return batch;
  }

  async function run(batch: Waiter<T>[]): Promise<void> {
    inFlight += 1;
    writing += batch.length;
    try {
      await write(batch.map((waiter) => waiter.item));
      for (const waiter of batch) waiter.resolve();
    } catch (error) {
      if (batch.length === 1) (batch[0] as Waiter<T>).reject(error);
      else await writeEach(batch);
    } finally {
      inFlight -= 1;
      writing -= batch.length;
    }
    // What arrived during the write goes next, at once; its callers' next items join later.
    start();
  }

  /**
   * A batch is written all or nothing: when it fails, one bad item (a row the store refuses, an
   * id already recorded) must not fail the others with it, so each is written again on its own
   * and only those that fail alone are rejected.
   */
  async function writeEach(batch: readonly Waiter<T>[]): Promise<void> {
    for (const waiter of batch) {
      try {
        await write([waiter.item]);
        waiter.resolve();
      } catch (error) {
        waiter.reject(error);
      }
    }
  }

  function start(): void {
    while (queue.length > 0 && inFlight < maxConcurrent) void run(take());
    if (inFlight === 0 && !scheduled) {
      const waiting = idle;
      idle = [];
      for (const resolve of waiting) resolve();
    }
  }

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    // Let the current turn of the event loop add its records to this batch first.
    setImmediate(() => {
      scheduled = false;
      start();
    });
  }

  return {
    commit(item: T) {
      return new Promise<void>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        if (inFlight < maxConcurrent) schedule();
      });
    },
    flush() {
      if (inFlight === 0 && !scheduled && queue.length === 0) return Promise.resolve();
      return new Promise<void>((resolve) => idle.push(resolve));
    },
    get pending() {
      return queue.length + writing;
    },
  };
}
