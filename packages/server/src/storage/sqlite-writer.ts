import { Worker } from 'node:worker_threads';
import type {
  SqliteWriterData,
  WalCheckpoint,
  WriteReply,
  WriteRequest,
} from './sqlite-writer-worker.js';
import type { GenerationRow, HeldLease } from './storage.js';

type Write = WriteRequest extends infer Each
  ? Each extends WriteRequest
    ? Omit<Each, 'id' | 'writer' | 'options'>
    : never
  : never;

interface Pending {
  writer: SqliteWriter;
  resolve: (reply: WriteReply) => void;
  reject: (error: Error) => void;
}

interface Session {
  worker: Worker;
  pending: Map<number, Pending>;
}

/**
 * A worker thread with its own connection to a SQLite file, for the work whose fsync must not
 * stall the event loop (docs/decisions/0015-hot-path-costs.md): the WAL checkpoint every second,
 * and at `power` recovery's finalize and the lease renewal (FULL commits). The hot writes
 * (records, in-flight journal) run on the main connection since decisions 0030 and 0031. A
 * crashed worker fails its pending writes; the next write starts a new one.
 *
 * One thread serves every SqliteWriter of the process, each file on its own connection: a
 * gateway has one, but a test process starts dozens of gateways, and a thread (with its module
 * graph) per gateway was most of a test gateway's start-up CPU (decision 0020). Once started, the
 * thread stays for the life of the process; idle, it is unreferenced and never keeps it alive.
 */
export class SqliteWriter {
  static #session: Session | undefined;
  static #nextId = 1;
  static #nextWriter = 1;
  readonly #writer = SqliteWriter.#nextWriter++;
  readonly #options: SqliteWriterData;
  #pending = 0;
  #drained: Array<() => void> = [];
  #closed = false;

  constructor(options: SqliteWriterData) {
    this.#options = options;
  }

  /**
   * Starts the thread if needed and waits until this file's connection has answered a read: at
   * gateway start, so the first request's record does not wait for a thread, a module load and a
   * file open.
   */
  ready(): Promise<void> {
    return this.#send({ op: 'ready' }).then(() => undefined);
  }

  async finalizeInflight(rows: readonly GenerationRow[]): Promise<string[]> {
    if (rows.length === 0) return [];
    return (await this.#send({ op: 'inflight-finalize', rows: [...rows] })).ids ?? [];
  }

  /**
   * Checkpoints the file's WAL on the writer's connection (PASSIVE: blocks no reader or writer)
   * and says how far it got.
   */
  async checkpointWal(): Promise<WalCheckpoint> {
    return (await this.#send({ op: 'wal-checkpoint' })).checkpoint ?? { log: 0, checkpointed: 0 };
  }

  async holdLease(
    nodeId: string,
    holder: string,
    nowMs: number,
    expiresAtMs: number,
    replacing: string | null = null,
  ): Promise<HeldLease | null> {
    const reply = await this.#send({
      op: 'lease-hold',
      nodeId,
      holder,
      nowMs,
      expiresAtMs,
      replacing,
    });
    return reply.heldLease ?? null;
  }

  /** Waits for this file's pending writes, then closes its connection; the idle thread stays. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#pending > 0) await new Promise<void>((resolve) => this.#drained.push(resolve));
    if (SqliteWriter.#session === undefined) return;
    await this.#post({ op: 'close' }).catch(() => undefined);
  }

  #send(write: Write): Promise<WriteReply> {
    if (this.#closed) return Promise.reject(new Error('storage is closed'));
    return this.#post(write);
  }

  #post(write: Write): Promise<WriteReply> {
    const session = SqliteWriter.#open();
    const id = SqliteWriter.#nextId++;
    return new Promise<WriteReply>((resolve, reject) => {
      session.pending.set(id, { writer: this, resolve, reject });
      this.#pending++;
      // Referenced only while a write is pending: an idle writer never keeps the process alive.
      if (session.pending.size === 1) session.worker.ref();
      session.worker.postMessage({
        ...write,
        id,
        writer: this.#writer,
        options: this.#options,
      } as WriteRequest);
    });
  }

  static #settle(session: Session, id: number, error: Error | null, reply?: WriteReply): void {
    const pending = session.pending.get(id);
    if (pending === undefined) return;
    session.pending.delete(id);
    if (error === null) pending.resolve(reply ?? { id, error: null });
    else pending.reject(error);
    const writer = pending.writer;
    writer.#pending--;
    if (writer.#pending === 0) for (const resolve of writer.#drained.splice(0)) resolve();
    if (session.pending.size === 0) session.worker.unref();
  }

  static #open(): Session {
    if (SqliteWriter.#session !== undefined) return SqliteWriter.#session;
    const script = resolveWriterScript();
    const worker = new Worker(script.source, { eval: script.eval });
    const session: Session = { worker, pending: new Map() };
    SqliteWriter.#session = session;
    worker.on('message', (reply: WriteReply) => {
      const error = reply.error === null ? null : new Error(reply.error);
      SqliteWriter.#settle(session, reply.id, error, reply);
    });
    const crash = (error: Error): void => {
      if (SqliteWriter.#session === session) SqliteWriter.#session = undefined;
      for (const id of [...session.pending.keys()]) SqliteWriter.#settle(session, id, error);
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
