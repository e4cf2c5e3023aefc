import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { createStorage } from '../../src/storage/create-storage.js';
import { createPostgresPool, withMigrationLock } from '../../src/storage/dialects/postgres.js';
import { migrationProvider } from '../../src/storage/migrations/index.js';
import { createFreshPostgresDatabase } from '../helpers/fresh-postgres-database.js';
import { generationRow } from './storage-contract.js';

test('several nodes starting at once on a fresh PostgreSQL database migrate it exactly once', async (t) => {
  const database = await createFreshPostgresDatabase();
  t.after(() => database.drop());
  // Pool size 1: the advisory lock and the migrator share one connection, so this cannot deadlock.
  const storages = await Promise.all(
    Array.from({ length: 6 }, () =>
      createStorage({ kind: 'postgres', url: database.url, poolSize: 1 }),
    ),
  );
  try {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ name: string }>(
        'SELECT name FROM kysely_migration ORDER BY name',
      );
      assert.deepEqual(
        rows.map((row) => row.name),
        Object.keys(await migrationProvider.getMigrations()).sort(),
      );
      const locks = await client.query(
        "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND database = " +
          '(SELECT oid FROM pg_database WHERE datname = current_database())',
      );
      assert.equal(locks.rowCount, 0, 'every node released the migration lock');
    } finally {
      await client.end();
    }
    for (const storage of storages) assert.equal(await storage.generations.count(), 0);
  } finally {
    await Promise.all(storages.map((storage) => storage.close()));
  }
});

test('a migration whose connection dies mid-way fails its start with an error, not the process', async (t) => {
  const database = await createFreshPostgresDatabase();
  t.after(() => database.drop());
  const pool = createPostgresPool({ url: database.url, poolSize: 2 });
  const killer = new pg.Client({ connectionString: database.url });
  await killer.connect();
  try {
    // The server ends the migrating session (a restart, a failover, a pooler dropping it): the
    // checked-out client emits 'error', which with no listener would crash the whole process.
    await assert.rejects(
      withMigrationLock(pool, async (kysely) => {
        const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(kysely);
        await killer.query('SELECT pg_terminate_backend($1)', [rows[0]?.pid]);
        await sql`SELECT 1`.execute(kysely);
      }),
    );
    // The pool still serves: the dead connection was discarded.
    const { rows } = await pool.query<{ one: number }>('SELECT 1 AS one');
    assert.equal(rows[0]?.one, 1);
  } finally {
    // Both end before the database is dropped (which would terminate their sessions).
    await killer.end();
    await pool.end();
  }
});

test('migration 0011 stores new records lz4-compressed, and they read back byte for byte', async (t) => {
  const database = await createFreshPostgresDatabase();
  t.after(() => database.drop());
  const storage = await createStorage({ kind: 'postgres', url: database.url });
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    const { rows: lz4 } = await client.query<{ lz4: boolean }>(
      "SELECT 'lz4' = any(enumvals) AS lz4 FROM pg_settings WHERE name = 'default_toast_compression'",
    );
    if (lz4[0]?.lz4 !== true) {
      t.skip('this PostgreSQL is built without lz4 (the migration leaves pglz)');
      return;
    }
    const record = JSON.stringify({ id: 'gen-lz4', padding: 'x'.repeat(4000) });
    await storage.generations.insertMany([generationRow({ id: 'gen-lz4', record })]);
    const { rows } = await client.query<{ method: string | null }>(
      "SELECT pg_column_compression(record) AS method FROM generations WHERE id = 'gen-lz4'",
    );
    assert.equal(rows[0]?.method, 'lz4');
    assert.equal((await storage.generations.get('gen-lz4'))?.record, record);
  } finally {
    await client.end();
    await storage.close();
  }
});
