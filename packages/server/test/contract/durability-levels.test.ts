/**
 * The durability level reaches the connections that commit records: SQLite's `synchronous`
 * (FULL = fsync per commit, NORMAL = WAL in the page cache) and PostgreSQL's `synchronous_commit`.
 * What each level survives is tested by killing gateways in test/e2e/kill-durability.test.ts.
 */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sql } from 'kysely';
import { DURABILITY_LEVELS } from '../../src/config/durability.js';
import { createPostgresKysely, createPostgresPool } from '../../src/storage/dialects/postgres.js';
import { createSqliteKysely, openSqliteDatabase } from '../../src/storage/dialects/sqlite.js';
import { migrateToLatest } from '../../src/storage/kysely-storage.js';
import { SqliteWriter } from '../../src/storage/sqlite-writer.js';
import { createFreshPostgresDatabase } from '../helpers/fresh-postgres-database.js';

/** SQLite's numeric `synchronous` values. */
const SQLITE_SYNCHRONOUS = { power: 2n, process: 1n } as const;
const POSTGRES_SYNCHRONOUS_COMMIT = { power: 'on', process: 'off' } as const;

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

test('PostgreSQL: power keeps synchronous_commit on, process turns it off on every connection', async (t) => {
  const fresh = await createFreshPostgresDatabase();
  t.after(() => fresh.drop());
  for (const durability of DURABILITY_LEVELS) {
    const database = createPostgresKysely(
      createPostgresPool({ url: fresh.url, poolSize: 2, durability }),
    );
    try {
      // Two connections at once: the setting is per connection, so both must carry it.
      const settings = await Promise.all(
        [0, 1].map(() =>
          database.connection().execute(async (connection) => {
            const { rows } = await sql<{
              synchronous_commit: string;
            }>`show synchronous_commit`.execute(connection);
            return rows[0]?.synchronous_commit;
          }),
        ),
      );
      assert.deepEqual(settings, [
        POSTGRES_SYNCHRONOUS_COMMIT[durability],
        POSTGRES_SYNCHRONOUS_COMMIT[durability],
      ]);
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
