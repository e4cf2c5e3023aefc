import { parentPort, workerData } from 'node:worker_threads';
import { createSqliteKysely } from './dialects/sqlite.js';
import { createKyselyStorage } from './kysely-storage.js';
import type { GenerationRow, InflightRow } from './storage.js';

/** What the worker is started with. */
export interface SqliteWriterData {
  path: string;
}

/** One durable write, executed by the worker's own connection. */
export type WriteRequest =
  | { id: number; op: 'generations'; rows: GenerationRow[] }
  | { id: number; op: 'inflight-insert'; rows: InflightRow[] }
  | { id: number; op: 'inflight-delete'; ids: string[] }
  // Opens the connection and runs a read, so the first durable write does not pay for it.
  | { id: number; op: 'ready' };

/** The answer to a {@link WriteRequest}: committed (error null), or why not. */
export interface WriteReply {
  id: number;
  error: string | null;
}

// The SQLite writer thread (sqlite-writer.ts): the same storage code over a second connection to
// the same file, so a commit's fsync blocks this thread, not the event loop that serves HTTP.
const port = parentPort;
if (port === null) throw new Error('sqlite-writer-worker must run as a worker thread');
const { path } = workerData as SqliteWriterData;
const storage = createKyselyStorage(createSqliteKysely({ path }), 'sqlite');

function execute(request: WriteRequest): Promise<void> {
  switch (request.op) {
    case 'generations':
      return storage.generations.insertMany(request.rows);
    case 'inflight-insert':
      return storage.inflight.insertMany(request.rows);
    case 'inflight-delete':
      return storage.inflight.deleteMany(request.ids);
    case 'ready':
      return storage.inflight.listByNode('').then(() => undefined);
  }
}

port.on('message', (request: WriteRequest) => {
  execute(request).then(
    () => port.postMessage({ id: request.id, error: null } satisfies WriteReply),
    (error: unknown) =>
      port.postMessage({
        id: request.id,
        error: error instanceof Error ? error.message : String(error),
      } satisfies WriteReply),
  );
});
