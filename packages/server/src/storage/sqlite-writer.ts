import { Worker } from 'node:worker_threads';
import type { SqliteWriterData, WriteReply, WriteRequest } from './sqlite-writer-worker.js';
import type { GenerationRow, InflightCheckpoint, InflightRow } from './storage.js';

type Write = WriteRequest extends infer Each
  ? Each extends WriteRequest
    ? Omit<Each, 'id'>
    : never
  : never;

interface Pending {
  resolve: (ids: string[] | undefined) => void;
  reject: (error: Error) => void;
}

interface Session {
  worker: Worker;
  pending: Map<number, Pending>;
  /** Resolves when no write is pending. */
  drained: Array<() => void>;
}

/**
 * The durable writes of a SQLite file — generation records and the in-flight journal — run on a
 * worker thread with its own connection (docs/decisions/0015-hot-path-costs.md). With
 * `synchronous=FULL` every commit waits for an fsync; on the event loop that wait stalled every
 * other request. WAL lets the main connection read while the writer commits, and a read that
 * starts after a commit returned sees it, so read-your-writes holds. A crashed worker fails its
 * pending writes; the next write starts a new one.
 */
export class SqliteWriter {
  readonly #options: SqliteWriterData;
  #session: Session | undefined;
  #nextId = 1;
  #closed = false;

  constructor(options: SqliteWriterData) {
    this.#options = options;
  }

  insertGenerations(rows: readonly GenerationRow[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    return this.#send({ op: 'generations', rows: [...rows] }).then(() => undefined);
  }

  insertInflight(rows: readonly InflightRow[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    return this.#send({ op: 'inflight-insert', rows: [...rows] }).then(() => undefined);
  }

  deleteInflight(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return Promise.resolve();
    return this.#send({ op: 'inflight-delete', ids: [...ids] }).then(() => undefined);
  }

  checkpointInflight(checkpoints: readonly InflightCheckpoint[]): Promise<void> {
    if (checkpoints.length === 0) return Promise.resolve();
    return this.#send({ op: 'inflight-checkpoint', checkpoints: [...checkpoints] }).then(
      () => undefined,
    );
  }

  async finalizeInflight(rows: readonly GenerationRow[]): Promise<string[]> {
    if (rows.length === 0) return [];
    return (await this.#send({ op: 'inflight-finalize', rows: [...rows] })) ?? [];
  }

  renewLease(nodeId: string, expiresAtMs: number): Promise<void> {
    return this.#send({ op: 'lease-renew', nodeId, expiresAtMs }).then(() => undefined);
  }

  /** Waits for pending writes, then stops the worker. */
  async close(): Promise<void> {
    this.#closed = true;
    const session = this.#session;
    if (session === undefined) return;
    if (session.pending.size > 0) {
      await new Promise<void>((resolve) => session.drained.push(resolve));
    }
    this.#session = undefined;
    await session.worker.terminate();
  }

  #send(write: Write): Promise<string[] | undefined> {
    if (this.#closed) return Promise.reject(new Error('storage is closed'));
    const session = this.#open();
    const id = this.#nextId++;
    return new Promise<string[] | undefined>((resolve, reject) => {
      session.pending.set(id, { resolve, reject });
      // Referenced only while a write is pending: an idle writer never keeps the process alive.
      if (session.pending.size === 1) session.worker.ref();
      session.worker.postMessage({ ...write, id } as WriteRequest);
    });
  }

  #settled(session: Session): void {
    if (session.pending.size > 0) return;
    session.worker.unref();
    for (const resolve of session.drained.splice(0)) resolve();
  }

  #open(): Session {
    if (this.#session !== undefined) return this.#session;
    const script = resolveWriterScript();
    const workerData: SqliteWriterData = this.#options;
    const worker = new Worker(script.source, { workerData, eval: script.eval });
    const session: Session = { worker, pending: new Map(), drained: [] };
    this.#session = session;
    worker.on('message', (reply: WriteReply) => {
      const pending = session.pending.get(reply.id);
      if (pending === undefined) return;
      session.pending.delete(reply.id);
      if (reply.error === null) pending.resolve(reply.ids);
      else pending.reject(new Error(reply.error));
      this.#settled(session);
    });
    const crash = (error: Error): void => {
      if (this.#session === session) this.#session = undefined;
      const pending = [...session.pending.values()];
      session.pending.clear();
      for (const each of pending) each.reject(error);
      this.#settled(session);
    };
    worker.on('error', (error) => crash(new Error(`SQLite writer crashed: ${error.message}`)));
    worker.on('exit', (code) => crash(new Error(`SQLite writer exited with code ${code}`)));
    return session;
  }
}

/** The built worker, or — under tsx (tests run the TypeScript sources) — a loader that registers tsx first. */
function resolveWriterScript(): { source: string | URL; eval: boolean } {
  if (!import.meta.url.endsWith('.ts')) {
    return { source: new URL('./sqlite-writer-worker.js', import.meta.url), eval: false };
  }
  const tsxApi = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const worker = JSON.stringify(new URL('./sqlite-writer-worker.ts', import.meta.url).href);
  return {
    source: `import(${tsxApi}).then((tsx) => { tsx.register(); return import(${worker}); });`,
    eval: true,
  };
}
