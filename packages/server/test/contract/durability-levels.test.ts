/**
 * The durability level reaches the connections that commit records: SQLite's `synchronous`
 * (FULL = fsync per commit, NORMAL = WAL in the page cache) and PostgreSQL's `synchronous_commit`.
 * What each level survives is tested by killing gateways in test/e2e/kill-durability.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sql } from 'kysely';
import { DURABILITY_LEVELS } from '../../src/config/durability.js';
import { createPostgresKysely, createPostgresPool } from '../../src/storage/dialects/postgres.js';
import { createSqliteKysely } from '../../src/storage/dialects/sqlite.js';
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
