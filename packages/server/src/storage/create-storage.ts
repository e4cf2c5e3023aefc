import type SqliteDatabase from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type pg from 'pg';
import { DEFAULTS } from '../config/defaults.js';
import type { StorageConfig } from '../config/settings.js';
import type { Database } from './database.js';
import {
  createAsyncCommitKysely,
  createPostgresKysely,
  createPostgresPool,
  withMigrationLock,
} from './dialects/postgres.js';
import { openSqliteDatabase, sqliteKysely } from './dialects/sqlite.js';
import { createKyselyStorage, migrateToLatest } from './kysely-storage.js';
import { withPostgresLookups } from './postgres-generation-lookups.js';
import { createPostgresInsertGenerations } from './postgres-write-batch.js';
import { withSqliteLookups } from './sqlite-generation-lookups.js';
import { createSqliteWriteBatch } from './sqlite-write-batch.js';
import { SqliteWriter } from './sqlite-writer.js';
import type { Storage } from './storage.js';
import { type Fdatasync, openWalSync, type WalSync } from './wal-sync.js';

/** What {@link createStorage} takes besides the settings: seams for tests. */
export interface StorageDependencies {
  /** How a SQLite file's WAL is synced at durability `power` (default `fs.fdatasync`). */
  fdatasync?: Fdatasync;
}

/** Opens the configured storage and migrates it to the latest schema. */
export async function createStorage(
  config: StorageConfig,
  dependencies: StorageDependencies = {},
): Promise<Storage> {
  switch (config.kind) {
    case 'sqlite': {
      const options = { path: config.path, durability: config.durability ?? DEFAULTS.durability };
      // A file's hot writes run on this connection, which never checkpoints the WAL: the writer
      // thread does (decision 0030). At `power` each is followed by a sync of the WAL (0031).
      const inMemory = config.path === ':memory:';
      const connection = openSqliteDatabase(options, inMemory ? 'on-commit' : 'external');
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
      if (inMemory) {
        return withWriteBatch(storage, { connection, database, walSync: null });
      }
      const writer = new SqliteWriter(options);
      let walSync: WalSync | null = null;
      try {
        await writer.ready();
        // The WAL exists now (both connections read the file) and stays while this one is open.
        if (options.durability === 'power')
          walSync = openWalSync(config.path, dependencies.fdatasync);
      } catch (error) {
        await writer.close();
        await database.destroy();
        throw error;
      }
      const withLookups = withSqliteLookups(storage, config.path);
      const gate: HotWriteGate = { held: null };
      const main = withWriteBatch(withLookups, { connection, database, walSync, gate });
      return withWalCheckpoints(walSync === null ? main : withRareWritesOnWriter(main, writer), {
        writer,
        walSync,
        gate,
      });
    }
    case 'postgres': {
      const pool = createPostgresPool({
        url: config.url,
        ...(config.poolSize === undefined ? {} : { poolSize: config.poolSize }),
      });
      const database = createPostgresKysely(pool);
      try {
        await withMigrationLock(pool, (locked) => migrateToLatest(locked, { inTransaction: true }));
      } catch (error) {
        await database.destroy();
        throw error;
      }
      const storage = createKyselyStorage(database, 'postgres');
      const durability = config.durability ?? DEFAULTS.durability;
      if (durability === 'power') {
        try {
          await requireSynchronousCommit(pool);
        } catch (error) {
          await database.destroy();
          throw error;
        }
      }
      const committed =
        durability === 'process'
          ? withHotWritesFrom(
              storage,
              createKyselyStorage(createAsyncCommitKysely(pool), 'postgres'),
            )
          : storage;
      // The records' batches: SQL built once rather than by Kysely per batch (decision 0046).
      const insertMany = createPostgresInsertGenerations(pool, {
        asyncCommit: durability === 'process',
      });
      const written = {
        ...committed,
        generations: {
          ...committed.generations,
          insertMany,
          concurrentBatches: POSTGRES_CONCURRENT_BATCHES,
        },
      };
      return withPostgresLookups(written, pool, {
        preparedStatements: config.preparedStatements ?? DEFAULTS.postgresPreparedStatements,
      });
    }
    default: {
      const unknown: never = config;
      throw new Error(`unknown storage kind ${JSON.stringify(unknown)}`);
    }
  }
}

/**
 * `storage` with its hot writes — records (with their rollups and journal deletes), the in-flight
 * journal's inserts, deletes and checkpoints, recovery's finalize — taken from `hot`, a storage on
 * the same pool whose transactions commit with `synchronous_commit=off` (PostgreSQL at durability
 * `process`, decision 0038). Administrative writes (keys, credits, leases, retention, migrations)
 * keep committing synchronously.
 */
function withHotWritesFrom(storage: Storage, hot: Storage): Storage {
  return {
    ...storage,
    generations: { ...storage.generations, insertMany: hot.generations.insertMany },
    inflight: {
      ...storage.inflight,
      insertMany: hot.inflight.insertMany,
      upsertMany: hot.inflight.upsertMany,
      deleteMany: hot.inflight.deleteMany,
      checkpoint: hot.inflight.checkpoint,
      finalizeMany: hot.inflight.finalizeMany,
    },
  };
}

/**
 * Batches of records the ledger writes at once on PostgreSQL, each on its own pooled connection:
 * the next batch is prepared and sent while the database still writes the previous one.
 */
const POSTGRES_CONCURRENT_BATCHES = 2;

/** The main connection's hot writes: its Kysely (for its lock) and, at `power`, the WAL sync. */
interface MainConnection {
  connection: SqliteDatabase.Database;
  database: Kysely<Database>;
  walSync: WalSync | null;
  /** Holds hot writes back while the WAL is being emptied (withWalCheckpoints). */
  gate?: HotWriteGate | undefined;
}

/**
 * Held (`held` set) while the writer thread copies the WAL's last frames into the database file:
 * hot writes started meanwhile wait for `held` to settle, so that copy can finish and the next
 * write restarts the WAL from its start.
 */
export interface HotWriteGate {
  held: Promise<void> | null;
}

/**
 * The SQLite storage with its hot writes (records, in-flight journal) run as the writer's
 * prepared statements on the main connection, each acknowledged once durable: committed, and at
 * `power` its WAL frames synced (decision 0031).
 */
function withWriteBatch(storage: Storage, main: MainConnection): Storage {
  const { connection, database, walSync, gate } = main;
  const batch = createSqliteWriteBatch(connection, { commitWithoutSync: walSync !== null });
  const commit = async (write: () => void): Promise<void> => {
    while (gate?.held != null) await gate.held;
    // A Kysely transaction spans awaits: a write run while one is open would become a savepoint
    // of it, committed only with it and lost with its rollback. Kysely's connection lock waits
    // for it to end.
    if (connection.inTransaction) await database.connection().execute(async () => write());
    else write();
    if (walSync !== null) await walSync.sync();
  };
  const run =
    <Args extends unknown[]>(write: (...args: Args) => void) =>
    (...args: Args): Promise<void> =>
      commit(() => write(...args));
  return {
    ...storage,
    writeFailure: () => walSync?.failure() ?? storage.writeFailure(),
    generations: { ...storage.generations, insertMany: run(batch.insertGenerations) },
    inflight: {
      ...storage.inflight,
      insertMany: run(batch.insertInflight),
      upsertMany: run(batch.upsertInflight),
      deleteMany: run(batch.deleteInflight),
      checkpoint: run(batch.checkpointInflight),
    },
  };
}

/**
 * At `power`, recovery's finalize and the lease renewal commit on the writer thread (FULL: an
 * fsync per commit, off the event loop). Both are rare; the main connection's FULL commits are
 * for administrative writes, whose fsync on the loop is accepted (decision 0031).
 */
function withRareWritesOnWriter(storage: Storage, writer: SqliteWriter): Storage {
  return {
    ...storage,
    inflight: { ...storage.inflight, finalizeMany: (rows) => writer.finalizeInflight(rows) },
    nodeLeases: {
      ...storage.nodeLeases,
      hold: (nodeId, holder, nowMs, expiresAtMs, replacing) =>
        writer.holdLease(nodeId, holder, nowMs, expiresAtMs, replacing),
    },
  };
}

/** How often the writer thread checkpoints the WAL of a file written on the main connection. */
const WAL_CHECKPOINT_INTERVAL_MS = 1_000;

/**
 * WAL frames (4 KiB pages) since the WAL last started over from which a cycle starts it over
 * ({@link checkpointCycle}): 64 MiB.
 */
export const WAL_RESTART_FRAMES = 16_384;

/** Frames written during an unheld pass below which the next pass holds the writes (2 MiB). */
const WAL_HELD_COPY_FRAMES = 512;

/** Unheld passes of a cycle at most, before the held one. */
const MAX_UNHELD_PASSES = 4;

/**
 * Least time between two cycles that start the WAL over: under a write load heavy enough to
 * refill 64 MiB within a second, every cycle would otherwise re-copy its hot pages in its extra
 * passes (measured: 15 % more gateway CPU per write at 20k writes/s); the WAL then stays within
 * the threshold plus this long's writes.
 */
export const WAL_RESTART_INTERVAL_MS = 10_000;

/**
 * One checkpoint cycle (decision 0049). A PASSIVE checkpoint copies the WAL's frames into the
 * database file while writes go on; but under steady writes SQLite never restarts the WAL: it
 * starts over only when a write begins with every frame copied, and frames keep arriving while a
 * checkpoint runs (its `checkpointed === log` counts only the frames there when it started). The
 * file then grows without bound, every commit appends to it, and at `power` every fdatasync also
 * commits the file's new size (about twice the cost of syncing pages in place). So once the WAL
 * holds {@link WAL_RESTART_FRAMES} frames since it last started over, more unheld passes run
 * while each still finds many frames written during the one before, then the hot writes are held
 * while a last pass copies the few written since; the next write then starts the WAL over,
 * writing in place over the file's existing length. Administrative writes are not
 * held: one of them in between only leaves that cycle's WAL to the next.
 */
export async function checkpointCycle(
  writer: Pick<SqliteWriter, 'checkpointWal'>,
  gate: HotWriteGate,
  mayRestart = true,
): Promise<{ held: boolean }> {
  let previous = await writer.checkpointWal();
  if (!mayRestart || previous.log < WAL_RESTART_FRAMES) return { held: false };
  // More passes without holding anything while each still finds many new frames (those written
  // during the pass before): under a heavy write load the first pass is long, and holding the
  // writes for a copy of everything written meanwhile would stall them as long.
  for (let pass = 1; pass < MAX_UNHELD_PASSES; pass += 1) {
    const next = await writer.checkpointWal();
    // Fewer frames than before: the WAL started over meanwhile (a quiet moment), nothing to do.
    if (next.log < previous.log) return { held: false };
    const arrived = next.log - previous.log;
    previous = next;
    if (arrived <= WAL_HELD_COPY_FRAMES) break;
  }
  let release = () => {};
  gate.held = new Promise<void>((resolve) => {
    release = resolve;
  });
  try {
    await writer.checkpointWal();
    return { held: true };
  } finally {
    gate.held = null;
    release();
  }
}

/**
 * The SQLite storage written on its main connection, which never checkpoints, while the writer
 * thread checkpoints the WAL every second ({@link checkpointCycle}) — PASSIVE, so no request
 * waits for it, except, when the WAL is started over, for the few milliseconds of a last pass —
 * instead of a commit doing it on the event loop. Closing waits for the checkpoint and the WAL
 * sync in flight.
 */
function withWalCheckpoints(
  storage: Storage,
  { writer, walSync, gate }: { writer: SqliteWriter; walSync: WalSync | null; gate: HotWriteGate },
): Storage {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;
  let lastRestart = Number.NEGATIVE_INFINITY;
  const schedule = () => {
    timer = setTimeout(() => {
      const mayRestart = performance.now() - lastRestart >= WAL_RESTART_INTERVAL_MS;
      running = checkpointCycle(writer, gate, mayRestart)
        .then(({ held }) => {
          if (held) lastRestart = performance.now();
        })
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
      await walSync?.close();
      await storage.close();
    },
  };
}

/**
 * At `power` a returned commit must be on disk; the gateway leaves PostgreSQL's
 * `synchronous_commit` as the server, database or role set it (a startup option would be refused
 * by PgBouncer, decision 0038), so a setting of `off` there would silently make every commit a
 * `process` one. Such a database is refused at start, saying what to change.
 */
async function requireSynchronousCommit(pool: pg.Pool): Promise<void> {
  const { rows } = await pool.query<{ synchronous_commit: string }>('show synchronous_commit');
  const setting = rows[0]?.synchronous_commit;
  if (setting === 'off') {
    throw new Error(
      'durability power needs PostgreSQL to flush each commit, but its synchronous_commit is off ' +
        '(set for the server, this database or this role): set it back to on ' +
        '(ALTER DATABASE … RESET synchronous_commit / ALTER ROLE … RESET synchronous_commit), ' +
        'or choose durability process (TOLLGATE_DURABILITY=process), whose commits survive a ' +
        'crash of the gateway but not of the database server',
    );
  }
}
