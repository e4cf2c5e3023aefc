import { parentPort } from 'node:worker_threads';
import type SqliteDatabase from 'better-sqlite3';
import { openSqliteDatabase, type SqliteOptions, sqliteKysely } from './dialects/sqlite.js';
import { createKyselyStorage } from './kysely-storage.js';
import type { GenerationRow, HeldLease, Storage } from './storage.js';

/** How a writer's connection opens: the same file and durability as the main connection. */
export type SqliteWriterData = Required<SqliteOptions>;

/**
 * One durable write to the file of `options`, executed on the connection of the writer numbered
 * `writer` (each SqliteWriter has its own, even two on the same file).
 */
export type WriteRequest = { id: number; writer: number; options: SqliteWriterData } & (
  | { op: 'inflight-finalize'; rows: GenerationRow[] }
  | {
      op: 'lease-hold';
      nodeId: string;
      holder: string;
      nowMs: number;
      expiresAtMs: number;
      replacing: string | null;
    }
  // Copies committed WAL frames into the database file without blocking anyone (the hot
  // commits run on the main connection, which never checkpoints itself: decisions 0030, 0031);
  // answers how far it got (WalCheckpoint).
  | { op: 'wal-checkpoint' }
  // Opens the connection and runs a read, so the first durable write does not pay for it.
  | { op: 'ready' }
  // Closes the connection (its writer closed; others of the process go on).
  | { op: 'close' }
);

/**
 * What a PASSIVE checkpoint did: `log` frames in the WAL (since it last started over) when the
 * checkpoint began, `checkpointed` of them copied into the database file. Frames written while it
 * ran are counted in neither: `checkpointed === log` does not mean the WAL is empty now.
 */
export interface WalCheckpoint {
  log: number;
  checkpointed: number;
}

/** The answer to a {@link WriteRequest}: committed (error null), or why not. */
export interface WriteReply {
  id: number;
  error: string | null;
  /** The ids a finalize inserted (other writes return none). */
  ids?: string[];
  /** What a `wal-checkpoint` did. */
  checkpoint?: WalCheckpoint;
  /** What a `lease-hold` found standing (null: the lease is the caller's now). */
  heldLease?: HeldLease | null;
}

// The SQLite writer thread (sqlite-writer.ts): a second connection to each file, so a checkpoint's
// or a rare commit's fsync (finalize, lease renewal, at `power`) blocks this thread, not the
// event loop that serves HTTP. The hot writes run on the main connection (create-storage.ts).
const port = parentPort;
if (port === null) throw new Error('sqlite-writer-worker must run as a worker thread');

interface Connection {
  database: SqliteDatabase.Database;
  storage: Storage;
}
const connections = new Map<number, Connection>();

function connectionOf(request: WriteRequest): Connection {
  let connection = connections.get(request.writer);
  if (connection === undefined) {
    const database = openSqliteDatabase(request.options);
    try {
      connection = {
        database,
        storage: createKyselyStorage(sqliteKysely(database), 'sqlite'),
      };
    } catch (error) {
      database.close();
      throw error;
    }
    connections.set(request.writer, connection);
  }
  return connection;
}

async function execute(request: WriteRequest): Promise<Omit<WriteReply, 'id' | 'error'>> {
  switch (request.op) {
    case 'inflight-finalize':
      return { ids: await connectionOf(request).storage.inflight.finalizeMany(request.rows) };
    case 'lease-hold':
      return {
        heldLease: await connectionOf(request).storage.nodeLeases.hold(
          request.nodeId,
          request.holder,
          request.nowMs,
          request.expiresAtMs,
          request.replacing,
        ),
      };
    case 'wal-checkpoint': {
      const [result] = connectionOf(request).database.pragma('wal_checkpoint(PASSIVE)') as {
        log: bigint | number;
        checkpointed: bigint | number;
      }[];
      return {
        checkpoint: {
          log: Number(result?.log ?? 0),
          checkpointed: Number(result?.checkpointed ?? 0),
        },
      };
    }
    case 'ready':
      await connectionOf(request).storage.inflight.listByNode('');
      return {};
    case 'close': {
      const connection = connections.get(request.writer);
      connections.delete(request.writer);
      await connection?.storage.close();
      return {};
    }
  }
}

port.on('message', (request: WriteRequest) => {
  execute(request).then(
    (result) => port.postMessage({ ...result, id: request.id, error: null } satisfies WriteReply),
    (error: unknown) =>
      port.postMessage({
        id: request.id,
        error: error instanceof Error ? error.message : String(error),
      } satisfies WriteReply),
  );
});
