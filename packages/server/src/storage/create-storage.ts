import { DEFAULTS } from '../config/defaults.js';
import type { StorageConfig } from '../config/settings.js';
import {
  createPostgresKysely,
  createPostgresPool,
  withMigrationLock,
} from './dialects/postgres.js';
import { openSqliteDatabase, sqliteKysely } from './dialects/sqlite.js';
import { createKyselyStorage, migrateToLatest } from './kysely-storage.js';
import { withPostgresLookups } from './postgres-generation-lookups.js';
import { withSqliteLookups } from './sqlite-generation-lookups.js';
import { createSqliteWriteBatch, type SqliteWriteBatch } from './sqlite-write-batch.js';
import { SqliteWriter } from './sqlite-writer.js';
import type { Storage } from './storage.js';

/** Opens the configured storage and migrates it to the latest schema. */
export async function createStorage(config: StorageConfig): Promise<Storage> {
  switch (config.kind) {
    case 'sqlite': {
      const options = { path: config.path, durability: config.durability ?? DEFAULTS.durability };
      // At `process`, a commit needs no fsync: the hot writes run on this connection, and the
      // writer thread only checkpoints the WAL (decision 0030).
      const writesHere = config.path !== ':memory:' && options.durability === 'process';
      const connection = openSqliteDatabase(options, writesHere ? 'external' : 'on-commit');
      const database = sqliteKysely(connection);
      try {
        await migrateToLatest(database);
      } catch (error) {
        await database.destroy();
        throw error;
      }
      const storage = createKyselyStorage(database, 'sqlite');
      // An in-memory database is private to its connection: no second one can write it, so its
      // writes run the writer's prepared statements on this one.
      if (config.path === ':memory:')
        return withWriteBatch(storage, createSqliteWriteBatch(connection));
      const writer = new SqliteWriter(options);
      try {
        await writer.ready();
      } catch (error) {
        await writer.close();
        await database.destroy();
        throw error;
      }
      const withLookups = withSqliteLookups(storage, config.path);
      if (writesHere) {
        return withWalCheckpoints(
          withWriteBatch(withLookups, createSqliteWriteBatch(connection)),
          writer,
        );
      }
      return withWriterThread(withLookups, writer);
    }
    case 'postgres': {
      const pool = createPostgresPool({
        url: config.url,
        ...(config.poolSize === undefined ? {} : { poolSize: config.poolSize }),
        ...(config.durability === undefined ? {} : { durability: config.durability }),
      });
      const database = createPostgresKysely(pool);
      try {
        await withMigrationLock(pool, migrateToLatest);
      } catch (error) {
        await database.destroy();
        throw error;
      }
      return withPostgresLookups(createKyselyStorage(database, 'postgres'), pool);
    }
    default: {
      const unknown: never = config;
      throw new Error(`unknown storage kind ${JSON.stringify(unknown)}`);
    }
  }
}

/** The in-memory SQLite storage with its hot writes run as the writer thread runs them. */
function withWriteBatch(storage: Storage, batch: SqliteWriteBatch): Storage {
  const run =
    <Args extends unknown[]>(write: (...args: Args) => void) =>
    async (...args: Args): Promise<void> =>
      write(...args);
  return {
    ...storage,
    generations: { ...storage.generations, insertMany: run(batch.insertGenerations) },
    inflight: {
      ...storage.inflight,
      insertMany: run(batch.insertInflight),
      deleteMany: run(batch.deleteInflight),
      checkpoint: run(batch.checkpointInflight),
    },
  };
}

/** How often the writer thread checkpoints the WAL of a file written on the main connection. */
const WAL_CHECKPOINT_INTERVAL_MS = 1_000;

/**
 * The SQLite storage written on its main connection (durability `process`: a commit is a WAL
 * append, no fsync) while the writer thread checkpoints the WAL every second — PASSIVE, so no
 * request waits for it — instead of a commit doing it on the event loop.
 */
function withWalCheckpoints(storage: Storage, writer: SqliteWriter): Storage {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  const schedule = () => {
    timer = setTimeout(() => {
      running = writer
        .checkpointWal()
        .catch(() => undefined) // the next interval tries again
        .finally(() => {
          running = null;
          if (timer !== null) schedule();
        });
    }, WAL_CHECKPOINT_INTERVAL_MS);
    timer.unref();
  };
  schedule();
  return {
    ...storage,
    async close() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      await running;
      await writer.close();
      await storage.close();
    },
  };
}

/**
 * The SQLite storage with its durable writes (records, in-flight journal) moved to a writer
 * thread; reads and the rare administrative writes stay on the main connection.
 */
function withWriterThread(storage: Storage, writer: SqliteWriter): Storage {
  return {
    ...storage,
    generations: {
      ...storage.generations,
      insertMany: (rows) => writer.insertGenerations(rows),
    },
    inflight: {
      ...storage.inflight,
      insertMany: (rows) => writer.insertInflight(rows),
      deleteMany: (ids) => writer.deleteInflight(ids),
      checkpoint: (checkpoints) => writer.checkpointInflight(checkpoints),
      finalizeMany: (rows) => writer.finalizeInflight(rows),
    },
    // The lease is renewed every few seconds: its fsync belongs on the writer thread too.
    nodeLeases: {
      ...storage.nodeLeases,
      renew: (nodeId, expiresAtMs) => writer.renewLease(nodeId, expiresAtMs),
    },
    async close() {
      await writer.close();
      await storage.close();
    },
  };
}
