import { parentPort, workerData } from 'node:worker_threads';
import { createSqliteKysely, type SqliteOptions } from './dialects/sqlite.js';
import { createKyselyStorage } from './kysely-storage.js';
import type { GenerationRow, InflightCheckpoint, InflightRow } from './storage.js';

/** What the worker is started with: the same file and durability as the main connection. */
export type SqliteWriterData = Required<SqliteOptions>;

/** One durable write, executed by the worker's own connection. */
export type WriteRequest =
  | { id: number; op: 'generations'; rows: GenerationRow[] }
  | { id: number; op: 'inflight-insert'; rows: InflightRow[] }
  | { id: number; op: 'inflight-delete'; ids: string[] }
  | { id: number; op: 'inflight-checkpoint'; checkpoints: InflightCheckpoint[] }
  | { id: number; op: 'inflight-finalize'; rows: GenerationRow[] }
  | { id: number; op: 'lease-renew'; nodeId: string; expiresAtMs: number };

/** The answer to a {@link WriteRequest}: committed (error null), or why not. */
export interface WriteReply {
  id: number;
  error: string | null;
  /** The ids a finalize inserted (other writes return none). */
  ids?: string[];
}

// The SQLite writer thread (sqlite-writer.ts): the same storage code over a second connection to
// the same file, so a commit's fsync blocks this thread, not the event loop that serves HTTP.
const port = parentPort;
if (port === null) throw new Error('sqlite-writer-worker must run as a worker thread');
const storage = createKyselyStorage(createSqliteKysely(workerData as SqliteWriterData), 'sqlite');

function execute(request: WriteRequest): Promise<string[] | undefined> {
  switch (request.op) {
    case 'generations':
      return storage.generations.insertMany(request.rows).then(() => undefined);
    case 'inflight-insert':
      return storage.inflight.insertMany(request.rows).then(() => undefined);
    case 'inflight-delete':
      return storage.inflight.deleteMany(request.ids).then(() => undefined);
    case 'inflight-checkpoint':
      return storage.inflight.checkpoint(request.checkpoints).then(() => undefined);
    case 'inflight-finalize':
      return storage.inflight.finalizeMany(request.rows);
    case 'lease-renew':
      return storage.nodeLeases.renew(request.nodeId, request.expiresAtMs).then(() => undefined);
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
