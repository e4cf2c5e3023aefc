import { parentPort } from 'node:worker_threads';
import { createSqliteKysely, type SqliteOptions } from './dialects/sqlite.js';
import { createKyselyStorage } from './kysely-storage.js';
import type { GenerationRow, InflightCheckpoint, InflightRow, Storage } from './storage.js';

/** How a writer's connection opens: the same file and durability as the main connection. */
export type SqliteWriterData = Required<SqliteOptions>;

/**
 * One durable write to the file of `options`, executed on the connection of the writer numbered
 * `writer` (each SqliteWriter has its own, even two on the same file).
 */
export type WriteRequest = { id: number; writer: number; options: SqliteWriterData } & (
  | { op: 'generations'; rows: GenerationRow[] }
  | { op: 'inflight-insert'; rows: InflightRow[] }
  | { op: 'inflight-delete'; ids: string[] }
  | { op: 'inflight-checkpoint'; checkpoints: InflightCheckpoint[] }
  | { op: 'inflight-finalize'; rows: GenerationRow[] }
  | { op: 'lease-renew'; nodeId: string; expiresAtMs: number }
  // Opens the connection and runs a read, so the first durable write does not pay for it.
  | { op: 'ready' }
  // Closes the connection (its writer closed; others of the process go on).
  | { op: 'close' }
);

/** The answer to a {@link WriteRequest}: committed (error null), or why not. */
export interface WriteReply {
  id: number;
  error: string | null;
  /** The ids a finalize inserted (other writes return none). */
  ids?: string[];
}

// The SQLite writer thread (sqlite-writer.ts): the same storage code over a second connection to
// each file, so a commit's fsync blocks this thread, not the event loop that serves HTTP.
const port = parentPort;
if (port === null) throw new Error('sqlite-writer-worker must run as a worker thread');
const storages = new Map<number, Storage>();

function storageOf(request: WriteRequest): Storage {
  let storage = storages.get(request.writer);
  if (storage === undefined) {
    storage = createKyselyStorage(createSqliteKysely(request.options), 'sqlite');
    storages.set(request.writer, storage);
  }
  return storage;
}

async function execute(request: WriteRequest): Promise<string[] | undefined> {
  switch (request.op) {
    case 'generations':
      await storageOf(request).generations.insertMany(request.rows);
      return undefined;
    case 'inflight-insert':
      await storageOf(request).inflight.insertMany(request.rows);
      return undefined;
    case 'inflight-delete':
      await storageOf(request).inflight.deleteMany(request.ids);
      return undefined;
    case 'inflight-checkpoint':
      await storageOf(request).inflight.checkpoint(request.checkpoints);
      return undefined;
    case 'inflight-finalize':
      return storageOf(request).inflight.finalizeMany(request.rows);
    case 'lease-renew':
      await storageOf(request).nodeLeases.renew(request.nodeId, request.expiresAtMs);
      return undefined;
    case 'ready':
      await storageOf(request).inflight.listByNode('');
      return undefined;
    case 'close': {
      const storage = storages.get(request.writer);
      storages.delete(request.writer);
      await storage?.close();
      return undefined;
    }
  }
}

port.on('message', (request: WriteRequest) => {
  execute(request).then(
    (ids) =>
      port.postMessage(
        (ids === undefined
          ? { id: request.id, error: null }
          : { id: request.id, error: null, ids }) satisfies WriteReply,
      ),
    (error: unknown) =>
      port.postMessage({
        id: request.id,
        error: error instanceof Error ? error.message : String(error),
      } satisfies WriteReply),
  );
});
