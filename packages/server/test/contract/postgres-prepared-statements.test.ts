import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { createStorage } from '../../src/storage/create-storage.js';
import { createPostgresKysely, createPostgresPool } from '../../src/storage/dialects/postgres.js';
import { createKyselyStorage, migrateToLatest } from '../../src/storage/kysely-storage.js';
import { withPostgresLookups } from '../../src/storage/postgres-generation-lookups.js';
import type { Storage } from '../../src/storage/storage.js';
import { createFreshPostgresDatabase } from '../helpers/fresh-postgres-database.js';
import { generationRow } from './storage-contract.js';

/**
 * A storage whose lookups run on a pool of one connection, and that pool: whatever the lookup
 * left on its session, `pool.query` sees (pg_prepared_statements is per session).
 */
async function openOnOneSession(
  t: test.TestContext,
  preparedStatements: boolean,
): Promise<{ storage: Storage; pool: pg.Pool }> {
  const database = await createFreshPostgresDatabase();
  const pool = createPostgresPool({ url: database.url, poolSize: 1 });
  const kysely = createPostgresKysely(pool);
  t.after(async () => {
    await kysely.destroy();
    await database.drop();
  });
  await migrateToLatest(kysely);
  const storage = withPostgresLookups(createKyselyStorage(kysely, 'postgres'), pool, {
    preparedStatements,
  });
  return { storage, pool };
}

/** The names of the prepared statements of the pool's one session. */
async function preparedOn(pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<{ name: string }>(
    'select name from pg_prepared_statements order by name',
  );
  return rows.map((row) => row.name);
}

test('with prepared statements off, a lookup by id leaves no prepared statement on its session', async (t) => {
  const { storage, pool } = await openOnOneSession(t, false);
  const row = generationRow({ id: 'gen-unnamed', recordVersion: 3 });
  await storage.generations.insertMany([row]);
  assert.deepEqual(await preparedOn(pool), []);
  for (let round = 0; round < 2; round += 1) {
    assert.deepEqual(await storage.generations.get('gen-unnamed'), {
      keyHash: row.keyHash,
      recordVersion: 3,
      record: row.record,
    });
    assert.equal(await storage.generations.get('gen-missing'), undefined);
  }
  assert.deepEqual(await preparedOn(pool), []);
});

test('with prepared statements on, a lookup by id prepares the named statement once on its session', async (t) => {
  const { storage, pool } = await openOnOneSession(t, true);
  const row = generationRow({ id: 'gen-named' });
  await storage.generations.insertMany([row]);
  assert.deepEqual(await preparedOn(pool), []);
  assert.equal((await storage.generations.get('gen-named'))?.record, row.record);
  assert.equal(await storage.generations.get('gen-missing'), undefined);
  assert.deepEqual(await preparedOn(pool), ['tollgate_generation_by_id']);
});

/**
 * What a lookup through `createStorage` does once a column it returns changed type after its first
 * call: PostgreSQL refuses to run a named statement whose result type changed, while an unnamed
 * one is planned afresh. So the switch is seen from outside the storage's own pool.
 */
async function lookupAfterTypeChange(preparedStatements: boolean | undefined) {
  const database = await createFreshPostgresDatabase();
  const storage = await createStorage({
    kind: 'postgres',
    url: database.url,
    poolSize: 1,
    ...(preparedStatements === undefined ? {} : { preparedStatements }),
  });
  try {
    const row = generationRow({ id: 'gen-through-create' });
    await storage.generations.insertMany([row]);
    assert.equal((await storage.generations.get(row.id))?.record, row.record);
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      await admin.query('alter table generations alter column record_version type bigint');
    } finally {
      await admin.end();
    }
    return await storage.generations.get(row.id).then(
      (found) => found?.record === row.record,
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
  } finally {
    await storage.close();
    await database.drop();
  }
}

test('createStorage runs lookups unnamed when prepared statements are off, named by default', async () => {
  assert.equal(await lookupAfterTypeChange(false), true);
  assert.equal(await lookupAfterTypeChange(true), 'cached plan must not change result type');
  assert.equal(await lookupAfterTypeChange(undefined), 'cached plan must not change result type');
});
