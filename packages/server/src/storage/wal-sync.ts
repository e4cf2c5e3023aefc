import { closeSync, fdatasync as fsFdatasync, openSync } from 'node:fs';

/** `fs.fdatasync`'s callback form: runs on libuv's threadpool, never on the event loop. */
export type Fdatasync = (
  fd: number,
  callback: (error: NodeJS.ErrnoException | null) => void,
) => void;

/** Group fdatasync of a SQLite database's `-wal` file (decision 0031). */
export interface WalSync {
  /**
   * Resolves once every byte written to the WAL before the call is on disk: call it after a
   * commit returned. Rejects when the fdatasync that would cover it failed.
   */
  sync(): Promise<void>;
  /** The failure that stopped every sync for good, or null. */
  failure(): Error | null;
  /** Waits for the sync in flight, then closes the file descriptor. */
  close(): Promise<void>;
}

interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * Opens `<path>-wal` once and syncs it in groups: one fdatasync in flight at a time; a caller
 * arriving while one runs waits for the next, which starts as soon as the running one ends and
 * covers everyone who arrived meanwhile. Open it after a connection put the file in WAL mode and
 * read it, and keep that connection open: SQLite deletes the WAL only when its last connection
 * closes, and a restart or truncation of the WAL keeps the inode, so this descriptor stays valid.
 */
export function openWalSync(databasePath: string, fdatasync: Fdatasync = fsFdatasync): WalSync {
  // Read-write although we never write: on some platforms a sync needs write access.
  const fd = openSync(`${databasePath}-wal`, 'r+');
  let next: Waiter[] = [];
  let inFlight: Promise<void> | null = null;
  // After a failed fdatasync the kernel may have dropped the unwritten pages and marked them
  // clean, so a later fdatasync can succeed without them, and WAL frames are checksummed as a
  // chain: a lost frame loses every commit after it. So one failure fails every later sync too.
  let failure: Error | null = null;

  const settle = (covered: Waiter[], error: NodeJS.ErrnoException | null): void => {
    if (error !== null && failure === null) {
      failure = new Error(`fdatasync of the SQLite WAL failed: ${error.message}`);
    }
    for (const waiter of covered) {
      if (failure === null) waiter.resolve();
      else waiter.reject(failure);
    }
  };

  const start = (): void => {
    const covered = next;
    next = [];
    inFlight = new Promise<void>((done) => {
      const finish = (error: NodeJS.ErrnoException | null): void => {
        settle(covered, error);
        inFlight = null;
        if (next.length > 0) {
          if (failure === null) start();
          else settle(next.splice(0), null);
        }
        done();
      };
      try {
        fdatasync(fd, finish);
      } catch (error) {
        finish(error instanceof Error ? error : new Error(String(error)));
      }
    });
  };

  let closed = false;
  return {
    sync() {
      if (closed) return Promise.reject(new Error('storage is closed'));
      if (failure !== null) return Promise.reject(failure);
      return new Promise<void>((resolve, reject) => {
        next.push({ resolve, reject });
        if (inFlight === null) start();
      });
    },
    failure: () => failure,
    async close() {
      if (closed) return;
      closed = true;
      while (inFlight !== null) await inFlight;
      closeSync(fd);
    },
  };
}
