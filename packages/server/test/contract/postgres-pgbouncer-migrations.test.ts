import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { createStorage } from '../../src/storage/create-storage.js';
import { migrationProvider } from '../../src/storage/migrations/index.js';
import type { Storage } from '../../src/storage/storage.js';
import {
  createFreshPostgresDatabase,
  TEST_DATABASE_URL,
} from '../helpers/fresh-postgres-database.js';
import { findPgBouncer, PGBOUNCER_MISSING, startPgBouncer } from '../helpers/pgbouncer.js';

const pgbouncer = findPgBouncer();

/** The advisory locks held or awaited in the connected database, by any session. */
const ADVISORY_LOCKS =
  "SELECT pid, objid, granted FROM pg_locks WHERE locktype = 'advisory' AND database = " +
  '(SELECT oid FROM pg_database WHERE datname = current_database())';

/** `query`'s rows, read over a direct connection to `url` (not through the pooler). */
async function readDirectly<Row extends pg.QueryResultRow>(url: string, query: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Row>(query)).rows;
  } finally {
    await client.end();
  }
}

/**
 * `promise`, or, once 30 s pass first, a rejection naming `what` and the advisory locks of `url`'s
 * database at that moment: a start hanging on a lock fails, bounded, and says on which.
 */
async function within<T>(promise: Promise<T>, url: string, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), 30_000);
  });
  try {
    const outcome = await Promise.race([promise, timeout]);
    if (outcome !== 'timeout') return outcome;
  } finally {
    clearTimeout(timer);
  }
  const locks = await readDirectly(url, ADVISORY_LOCKS);
  throw new Error(`${what}: not done within 30 s; advisory locks: ${JSON.stringify(locks)}`);
}

test('nodes starting at once behind PgBouncer in transaction mode migrate once, all come up and hold no lock after', {
  skip: pgbouncer === undefined ? PGBOUNCER_MISSING : false,
}, async () => {
  assert.ok(pgbouncer !== undefined);
  const database = await createFreshPostgresDatabase();
  // Three server connections for four nodes of two connections each: every transaction runs
  // on whichever server connection is free, as in production.
  const bouncer = await startPgBouncer(pgbouncer, { upstream: TEST_DATABASE_URL, poolSize: 3 });
  const opened: Storage[] = [];
  const open = async () => {
    const storage = await createStorage({
      kind: 'postgres',
      url: bouncer.url(database.name),
      poolSize: 2,
      preparedStatements: false,
    });
    opened.push(storage);
    return storage;
  };
  try {
    const starts = Promise.all(Array.from({ length: 4 }, open));
    await within(starts, database.url, 'four nodes starting at once behind PgBouncer');
    // A lock left on a pooled server connection would make this one wait for it forever.
    await within(open(), database.url, 'a fifth node starting after them');
    const migrations = await readDirectly<{ name: string }>(
      database.url,
      'SELECT name FROM kysely_migration ORDER BY name',
    );
    assert.deepEqual(
      migrations.map((row) => row.name),
      Object.keys(await migrationProvider.getMigrations()).sort(),
    );
    assert.deepEqual(
      await readDirectly(database.url, ADVISORY_LOCKS),
      [],
      'no advisory lock stays held on a server connection',
    );
    for (const storage of opened) assert.equal(await storage.generations.count(), 0);
  } finally {
    await Promise.all(opened.map((storage) => storage.close()));
    // Stopping it also fails any start still waiting, through the connections it closes.
    await bouncer.stop();
    await database.drop();
  }
});
