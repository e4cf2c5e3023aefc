/**
 * The durability level reaches the connections that commit records: SQLite's `synchronous`
 * (FULL = fsync per commit, NORMAL = WAL in the page cache). PostgreSQL's `synchronous_commit`
 * per commit is tested in postgres-durability.test.ts. What each level survives is tested by
 * killing gateways in test/e2e/kill-durability.test.ts.
 */
import assert from 'node:assert/strict';
import { fstatSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { DURABILITY_LEVELS } from '../../src/config/durability.js';
import { createReadinessCheck } from '../../src/ops/readiness.js';
import {
  checkpointCycle,
  createStorage,
  type HotWriteGate,
  WAL_RESTART_FRAMES,
} from '../../src/storage/create-storage.js';
import { createSqliteKysely, openSqliteDatabase } from '../../src/storage/dialects/sqlite.js';
import { migrateToLatest } from '../../src/storage/kysely-storage.js';
import { createSqliteWriteBatch } from '../../src/storage/sqlite-write-batch.js';
import { SqliteWriter } from '../../src/storage/sqlite-writer.js';
import type { Storage } from '../../src/storage/storage.js';
import type { Fdatasync } from '../../src/storage/wal-sync.js';
import { createGate } from '../helpers/gate.js';
import { apiKeyRow, generationRow, inflightRow } from './storage-contract.js';

/** SQLite's numeric `synchronous` values. */
const SQLITE_SYNCHRONOUS = { power: 2n, process: 1n } as const;

test('SQLite: power commits with synchronous=FULL, process with synchronous=NORMAL (WAL)', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'tollgate-durability-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  for (const durability of DURABILITY_LEVELS) {
    const database = createSqliteKysely({ path: join(dataDir, `${durability}.db`), durability });
    try {
      const { rows } = await sql<{ synchronous: bigint }>`pragma synchronous`.execute(database);
      assert.equal(rows[0]?.synchronous, SQLITE_SYNCHRONOUS[durability], durability);
      const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(database);
      assert.equal(mode.rows[0]?.journal_mode, 'wal');
    } finally {
      await database.destroy();
    }
  }
});

test('SQLite at process: commits on the main connection never checkpoint; the writer thread does', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'tollgate-wal-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const options = { path: join(dataDir, 'process.db'), durability: 'process' as const };
  // The gateway's schema first: the writer thread prepares its statements against it.
  const migrated = createSqliteKysely(options);
  await migrateToLatest(migrated);
  await migrated.destroy();
  const main = openSqliteDatabase(options, 'external');
  t.after(() => main.close());
  assert.equal(Number(main.pragma('wal_autocheckpoint', { simple: true })), 0);
  main.exec('create table notes (body text)');
  const insert = main.prepare('insert into notes (body) values (?)');
  // 8 MB of commits: twice SQLite's default checkpoint threshold (1,000 pages).
  for (let index = 0; index < 2000; index += 1) insert.run('x'.repeat(4000));
  const databaseBytes = () => statSync(options.path).size;
  assert.ok(databaseBytes() < 1_000_000, 'no commit copied the WAL into the database file');
  const writer = new SqliteWriter(options);
  t.after(() => writer.close());
  await writer.checkpointWal();
  assert.ok(databaseBytes() > 8_000_000, 'the writer thread checkpointed the WAL');
  assert.equal((main.prepare('select count(*) as n from notes').get() as { n: bigint }).n, 2000n);
});

test('SQLite: under steady writes a checkpoint cycle holds the hot writes for its last pass, and the WAL starts over', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'tollgate-wal-restart-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const options = { path: join(dataDir, 'steady.db'), durability: 'process' as const };
  const migrated = createSqliteKysely(options);
  await migrateToLatest(migrated);
  await migrated.destroy();
  const main = openSqliteDatabase(options, 'external');
  t.after(() => main.close());
  main.exec('create table notes (body text)');
  const insert = main.prepare('insert into notes (body) values (?)');
  const writer = new SqliteWriter(options);
  t.after(() => writer.close());
  // One page per commit: more frames than the cycle's threshold, none of them checkpointed yet.
  for (let index = 0; index <= WAL_RESTART_FRAMES; index += 1) insert.run('x'.repeat(3000));
  const gate: HotWriteGate = { held: null };
  // Steady hot writes, one per turn of the event loop, honouring the gate as the write batch does.
  let stop = false;
  let writesWhileHeld = 0;
  const steady = (async () => {
    while (!stop) {
      while (gate.held !== null) await gate.held;
      if (gate.held !== null) writesWhileHeld += 1;
      insert.run('y'.repeat(3000));
      await nextTurn();
    }
  })();
  // Within WAL_RESTART_INTERVAL_MS of the last restart a cycle copies but holds nothing.
  assert.deepEqual(await checkpointCycle(writer, gate, false), { held: false });
  const cycle = await checkpointCycle(writer, gate);
  // A few more writes after the cycle: the first of them starts the WAL over.
  for (let turn = 0; turn < 5; turn += 1) await nextTurn();
  stop = true;
  await steady;
  assert.deepEqual(cycle, { held: true });
  assert.equal(gate.held, null, 'the gate is released');
  assert.equal(writesWhileHeld, 0);
  const after = await writer.checkpointWal();
  assert.ok(
    after.log < 100,
    `the WAL started over: ${after.log} frames since, not the ${WAL_RESTART_FRAMES}+ before`,
  );
  // Below the threshold a cycle holds nothing.
  assert.deepEqual(await checkpointCycle(writer, gate), { held: false });
});

/** An fdatasync the test completes by hand: each call waits in `calls` until `finish` is called. */
function gatedFdatasync() {
  const calls: Array<{ fd: number; finish: (error?: NodeJS.ErrnoException) => void }> = [];
  let arrived = createGate();
  const fdatasync: Fdatasync = (fd, callback) => {
    calls.push({ fd, finish: (error) => callback(error ?? null) });
    arrived.open();
  };
  return {
    fdatasync,
    calls,
    /** Resolves once the `count`-th call was made. */
    async called(count: number): Promise<void> {
      while (calls.length < count) {
        arrived = createGate();
        await arrived.opened;
      }
    },
  };
}

/** Tracks whether a promise settled, without letting a rejection go unhandled. */
function watch(promise: Promise<unknown>) {
  const state = { settled: false, error: undefined as unknown };
  const done = promise.then(
    () => {
      state.settled = true;
    },
    (error: unknown) => {
      state.settled = true;
      state.error = error;
    },
  );
  return { state, done };
}

async function powerStorage(t: test.TestContext, fdatasync: Fdatasync) {
  const dataDir = await mkdtemp(join(tmpdir(), 'tollgate-walsync-'));
  const path = join(dataDir, 'power.db');
  const storage: Storage = await createStorage(
    { kind: 'sqlite', path, durability: 'power' },
    { fdatasync },
  );
  // A second connection, as another process would read the file.
  const reader = new SqliteDatabase(path, { readonly: true });
  t.after(async () => {
    reader.close();
    await storage.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  const committed = (id: string) =>
    reader.prepare('select count(*) as n from generations where id = ?').pluck().get(id) === 1;
  return { path, storage, committed };
}

test('SQLite at power: a commit resolves only after an fdatasync of the WAL that started once its rows were committed', async (t) => {
  const sync = gatedFdatasync();
  const { path, storage, committed } = await powerStorage(t, sync.fdatasync);
  const row = generationRow();
  const commit = watch(storage.generations.insertMany([row]));
  await sync.called(1);
  const first = sync.calls[0];
  assert.ok(first !== undefined);
  assert.equal(fstatSync(first.fd).ino, statSync(`${path}-wal`).ino, 'the -wal file is synced');
  assert.ok(committed(row.id), 'the rows are committed before the sync starts');
  await nextTurn();
  assert.equal(commit.state.settled, false, 'not acknowledged before the sync completes');
  first.finish();
  await commit.done;
  assert.equal(commit.state.error, undefined);
  assert.equal(sync.calls.length, 1);
});

test('SQLite at power: a failed fdatasync rejects the commit, and every later one', async (t) => {
  const sync = gatedFdatasync();
  const { storage } = await powerStorage(t, sync.fdatasync);
  const commit = watch(storage.generations.insertMany([generationRow()]));
  await sync.called(1);
  // Committed during the failing sync: it waits for the next one.
  const waiting = watch(storage.inflight.deleteMany(['gen-waiting']));
  await nextTurn();
  sync.calls[0]?.finish(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
  await Promise.all([commit.done, waiting.done]);
  assert.match(String(commit.state.error), /fdatasync of the SQLite WAL failed: EIO/);
  assert.match(String(waiting.state.error), /fdatasync of the SQLite WAL failed: EIO/);
  // The kernel may have dropped the pages that failed: no later sync can vouch for them.
  await assert.rejects(storage.inflight.deleteMany(['gen-none']), /fdatasync .* failed/);
  assert.equal(sync.calls.length, 1);
});

test('SQLite at power: after a failed fdatasync the node reports itself not ready (GET /ready)', async (t) => {
  const sync = gatedFdatasync();
  const { storage } = await powerStorage(t, sync.fdatasync);
  const ready = createReadinessCheck(storage, null);
  assert.deepEqual(await ready(), {
    ready: true,
    checks: { storage: 'ok', redis: 'not_configured' },
  });
  const commit = watch(storage.generations.insertMany([generationRow()]));
  await sync.called(1);
  sync.calls[0]?.finish(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
  await commit.done;
  assert.match(String(storage.writeFailure()), /fdatasync of the SQLite WAL failed: EIO/);
  // Reads still work, but every write fails until a restart: a load balancer must route away.
  assert.deepEqual(await ready(), {
    ready: false,
    checks: { storage: 'unavailable', redis: 'not_configured' },
  });
});

test('SQLite at power: commits made during a sync share the next one (group fdatasync)', async (t) => {
  const sync = gatedFdatasync();
  const { storage, committed } = await powerStorage(t, sync.fdatasync);
  const first = watch(storage.generations.insertMany([generationRow()]));
  await sync.called(1);
  const later = Array.from({ length: 5 }, () => generationRow());
  const commits = later.map((row) => watch(storage.generations.insertMany([row])));
  await nextTurn();
  // Committed after the first sync started: that sync may not cover them.
  assert.ok(later.every((row) => committed(row.id)));
  assert.equal(sync.calls.length, 1, 'one sync in flight at a time');
  sync.calls[0]?.finish();
  await first.done;
  await sync.called(2);
  assert.ok(
    commits.every((commit) => !commit.state.settled),
    'the first sync released none of them',
  );
  sync.calls[1]?.finish();
  await Promise.all(commits.map((commit) => commit.done));
  assert.ok(commits.every((commit) => commit.state.error === undefined));
  assert.equal(sync.calls.length, 2, 'five commits, one sync');
});

test('SQLite at power: hot batches commit at NORMAL and leave the connection at FULL for the rest', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'tollgate-walsync-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const options = { path: join(dataDir, 'power.db'), durability: 'power' as const };
  const migrated = createSqliteKysely(options);
  await migrateToLatest(migrated);
  await migrated.destroy();
  const main = openSqliteDatabase(options, 'external');
  t.after(() => main.close());
  const synchronous = () => main.pragma('synchronous', { simple: true });
  // What `synchronous` was while the batch's own statements ran.
  main.exec(`create table seen (synchronous integer);
    create trigger seen after insert on inflight_generations
    begin insert into seen select synchronous from pragma_synchronous; end`);
  const seen = () => main.prepare('select synchronous from seen').pluck().all();
  const batch = createSqliteWriteBatch(main, { commitWithoutSync: true });
  const row = inflightRow('gen-1');
  batch.insertInflight([row]);
  assert.deepEqual(seen(), [1n], 'the batch ran at NORMAL');
  assert.equal(synchronous(), 2n, 'back to FULL after it');
  assert.throws(() => batch.insertInflight([row]), /UNIQUE/);
  assert.equal(synchronous(), 2n, 'back to FULL after a failed batch too');
});

test('SQLite: a record committed while an administrative transaction is open survives its rollback', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'tollgate-walsync-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const files = DURABILITY_LEVELS.map((durability) => ({
    path: join(dataDir, `${durability}.db`),
    durability,
  }));
  for (const { path, durability } of [
    ...files,
    { path: ':memory:', durability: 'power' as const },
  ]) {
    const storage = await createStorage({ kind: 'sqlite', path, durability });
    try {
      const last = apiKeyRow({ isManagement: true });
      await storage.apiKeys.insert(last);
      const rows = Array.from({ length: 20 }, () => generationRow());
      for (const [depth, row] of rows.entries()) {
        // Deleting the last management key runs a transaction over several awaits, then rolls
        // back (409). The record's commit starts `depth` microtasks later: some land inside it.
        const refused = storage.apiKeys.delete(last.hash);
        let turn: Promise<void> = Promise.resolve();
        for (let step = 0; step < depth; step += 1) turn = turn.then(() => undefined);
        const committed = turn.then(() => storage.generations.insertMany([row]));
        await assert.rejects(refused, /last enabled management key/);
        await committed;
      }
      for (const row of rows) {
        assert.ok((await storage.generations.get(row.id)) !== undefined, `${path} ${row.id}`);
      }
    } finally {
      await storage.close();
    }
  }
});
