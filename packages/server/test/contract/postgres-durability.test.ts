/**
 * What PostgreSQL commits the hot writes with at each durability level, read by a deferred trigger
 * as the commit runs (test/helpers/commit-settings.ts), directly and behind PgBouncer in
 * transaction mode (decision 0038). What each level survives is tested by killing gateways in
 * test/e2e/kill-durability.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { DURABILITY_LEVELS, type Durability } from '../../src/config/durability.js';
import { createStorage } from '../../src/storage/create-storage.js';
import type { Storage } from '../../src/storage/storage.js';
import {
  type CommitSettings,
  installCommitProbe,
  readCommitSettings,
  sessionSynchronousCommit,
} from '../helpers/commit-settings.js';
import {
  createFreshPostgresDatabase,
  TEST_DATABASE_URL,
} from '../helpers/fresh-postgres-database.js';
import { findPgBouncer, PGBOUNCER_MISSING, startPgBouncer } from '../helpers/pgbouncer.js';
import { apiKeyRow, generationRow, inflightRow } from './storage-contract.js';

const pgbouncer = findPgBouncer();

/**
 * Every hot write the ledger and recovery make — journal insert, upsert, checkpoint and delete, a
 * record with its rollup and journal delete, recovery's finalize — and one administrative write.
 */
async function writeEveryKind(storage: Storage): Promise<void> {
  await storage.inflight.insertMany([inflightRow('gen-a'), inflightRow('gen-b')]);
  await storage.inflight.checkpoint([{ id: 'gen-a', relayedBytes: 120, facts: '{}' }]);
  await storage.inflight.upsertMany([inflightRow('gen-b')]);
  await storage.generations.insertMany([generationRow({ id: 'gen-a' })]);
  await storage.inflight.deleteMany(['gen-b']);
  await storage.inflight.insertMany([inflightRow('gen-c')]);
  assert.deepEqual(await storage.inflight.finalizeMany([generationRow({ id: 'gen-c' })]), [
    'gen-c',
  ]);
  await storage.apiKeys.insert(apiKeyRow());
}

/** The settings {@link writeEveryKind}'s commits must show at `durability`. */
function expected(durability: Durability): CommitSettings {
  const hot = durability === 'process' ? 'off' : 'on';
  return {
    generations: [hot],
    inflight_generations: [hot],
    usage_by_model: [hot],
    // Administrative writes commit synchronously at both levels.
    api_keys: ['on'],
  };
}

test('PostgreSQL: records, rollups and the in-flight journal commit with synchronous_commit off at process and on at power; key writes stay on', async (t) => {
  for (const durability of DURABILITY_LEVELS) {
    const database = await createFreshPostgresDatabase();
    t.after(() => database.drop());
    const storage = await createStorage({
      kind: 'postgres',
      url: database.url,
      poolSize: 2,
      durability,
    });
    try {
      await installCommitProbe(database.url);
      await writeEveryKind(storage);
    } finally {
      await storage.close();
    }
    assert.deepEqual(await readCommitSettings(database.url), expected(durability), durability);
  }
});

test('PostgreSQL behind PgBouncer in transaction mode: process starts, its hot writes commit with synchronous_commit off, and the pooled server connection keeps on', {
  skip: pgbouncer === undefined ? PGBOUNCER_MISSING : false,
}, async (t) => {
  assert.ok(pgbouncer !== undefined);
  const database = await createFreshPostgresDatabase();
  // One server connection: every transaction of the storage and the session read after them
  // run on it.
  const bouncer = await startPgBouncer(pgbouncer, { upstream: TEST_DATABASE_URL, poolSize: 1 });
  t.after(async () => {
    await bouncer.stop();
    await database.drop();
  });
  const url = bouncer.url(database.name);
  const storage = await createStorage({
    kind: 'postgres',
    url,
    poolSize: 2,
    durability: 'process',
    preparedStatements: false,
  });
  try {
    await installCommitProbe(database.url);
    await writeEveryKind(storage);
    assert.equal((await storage.generations.get('gen-a'))?.keyHash, 'a'.repeat(64));
  } finally {
    await storage.close();
  }
  assert.deepEqual(await readCommitSettings(database.url), expected('process'));
  // A session-level SET would stay on the server connection for the pooler's next client.
  assert.equal(await sessionSynchronousCommit(url), 'on');
});

test('PostgreSQL at power refuses a database whose synchronous_commit is off (its commits would not be flushed); process starts on it', async (t) => {
  const database = await createFreshPostgresDatabase();
  t.after(() => database.drop());
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`ALTER DATABASE ${database.name} SET synchronous_commit = off`);
  } finally {
    await admin.end();
  }
  const open = (durability: Durability) =>
    createStorage({ kind: 'postgres', url: database.url, poolSize: 2, durability });
  await assert.rejects(open('power'), (error: Error) => {
    assert.match(error.message, /durability power needs PostgreSQL to flush each commit/);
    assert.match(error.message, /synchronous_commit is off/);
    assert.match(error.message, /TOLLGATE_DURABILITY=process/);
    return true;
  });
  const storage = await open('process');
  try {
    await storage.generations.insertMany([generationRow({ id: 'gen-a' })]);
    assert.equal((await storage.generations.get('gen-a'))?.keyHash, 'a'.repeat(64));
  } finally {
    await storage.close();
  }
});
