/** Options of {@link createGroupCommit}. */
export interface GroupCommitOptions {
  /** Most items written in one batch. */
  maxBatch?: number;
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

/**
 * Group commit: items arriving while a batch is being written form the next batch, so under load
 * many records share one transaction (one fsync) and each caller still waits only for its own.
 */
export function createGroupCommit<T>(
  write: (items: readonly T[]) => Promise<void>,
  options: GroupCommitOptions = {},
): GroupCommit<T> {
  const maxBatch = Math.max(1, Math.trunc(options.maxBatch ?? 5000));
  let queue: Waiter<T>[] = [];
  let writing = 0;
  let running: Promise<void> | null = null;

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      writing = batch.length;
      try {
        await write(batch.map((waiter) => waiter.item));
        for (const waiter of batch) waiter.resolve();
      } catch (error) {
        for (const waiter of batch) waiter.reject(error);
      } finally {
        writing = 0;
      }
    }
  }

  function schedule(): void {
    if (running !== null) return;
    running = new Promise<void>((resolve) => {
      // Let the current turn of the event loop add its records to this batch first.
      setImmediate(() => {
        drain().finally(() => {
          running = null;
          resolve();
          if (queue.length > 0) schedule();
        });
      });
    });
  }

  return {
    commit(item: T) {
      return new Promise<void>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        schedule();
      });
    },
    async flush() {
      while (running !== null) await running;
    },
    get pending() {
      return queue.length + writing;
    },
  };
}
