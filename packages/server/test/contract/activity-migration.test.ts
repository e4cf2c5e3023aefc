import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type Kysely, Migrator } from 'kysely';
import type { Database } from '../../src/storage/database.js';
import { createPostgresKysely, createPostgresPool } from '../../src/storage/dialects/postgres.js';
import { createSqliteKysely } from '../../src/storage/dialects/sqlite.js';
import { createKyselyStorage, migrateToLatest } from '../../src/storage/kysely-storage.js';
import { migrationProvider } from '../../src/storage/migrations/index.js';
import { createFreshPostgresDatabase } from '../helpers/fresh-postgres-database.js';

/** A record as stored before migration 0008 (only the columns that existed then). */
function oldRow(index: number, extra: Record<string, unknown>) {
  const id = `gen-old-${index}`;
  const createdAt = `2026-11-2${index % 2}T0${index}:15:00.000000+00:00`;
  const record = {
    id,
    created_at: createdAt,
    native_tokens_prompt: 100 + index,
    native_tokens_completion: 10 + index,
    native_tokens_reasoning: index === 0 ? null : 3,
    provider_responses: [
      { status: 500, endpoint_id: 'Beta/x', provider_name: 'Beta' },
      { status: 200, endpoint_id: 'Acme/m-1', provider_name: 'Acme' },
    ],
    ...extra,
  };
  return {
    id,
    key_hash: 'k'.repeat(64),
    request_id: `req-${id}`,
    created_at: createdAt,
    model: 'test/model',
    provider_name: 'Acme',
    api_type: 'completions',
    is_byok: 0,
    cancelled: extra['cancelled'] === true ? 1 : 0,
    usage_pico: BigInt(1_000_000 * (index + 1)),
    total_cost_pico: BigInt(1_000_000 * (index + 1)),
    upstream_cost_pico: null,
    record_version: 1,
    record: JSON.stringify(record),
  };
}

async function checkBackfill(database: Kysely<Database>, dialect: 'sqlite' | 'postgres') {
  const migrator = new Migrator({ db: database, provider: migrationProvider });
  const { error } = await migrator.migrateTo('0004-usage-rollups');
  assert.equal(error, undefined);
  const rows = [
    oldRow(0, { external_user: 'alice', session_id: 's-1', finish_reason: 'stop' }),
    oldRow(1, { external_user: null, session_id: null, finish_reason: 'error' }),
    oldRow(2, { external_user: 'alice', cancelled: true, finish_reason: null }),
    oldRow(3, { external_user: 'bob', finish_reason: 'stop' }),
  ];
  // The pre-0008 schema: inserted without the columns 0008 adds.
  await (database as unknown as Kysely<{ generations: (typeof rows)[number] }>)
    .insertInto('generations')
    .values(rows)
    .execute();
  await migrateToLatest(database);

  const columns = await database
    .selectFrom('generations')
    .select(['id', 'external_user', 'session_id', 'outcome'])
    .orderBy('id')
    .execute();
  assert.deepEqual(columns, [
    { id: 'gen-old-0', external_user: 'alice', session_id: 's-1', outcome: 'ok' },
    { id: 'gen-old-1', external_user: null, session_id: null, outcome: 'error' },
    { id: 'gen-old-2', external_user: 'alice', session_id: null, outcome: 'cancelled' },
    { id: 'gen-old-3', external_user: 'bob', session_id: null, outcome: 'ok' },
  ]);
  const reports = createKyselyStorage(database, dialect).reports;
  const activity = await reports.activity('2026-11-01', '2026-12-01');
  assert.deepEqual(
    activity.map((row) => ({ ...row })),
    [
      {
        day: '2026-11-21',
        model: 'test/model',
        providerName: 'Acme',
        endpointId: 'Acme/m-1',
        usagePico: 6_000_000n,
        byokUsagePico: 0n,
        requests: 2n,
        promptTokens: 204n,
        completionTokens: 24n,
        reasoningTokens: 6n,
      },
      {
        day: '2026-11-20',
        model: 'test/model',
        providerName: 'Acme',
        endpointId: 'Acme/m-1',
        usagePico: 4_000_000n,
        byokUsagePico: 0n,
        requests: 2n,
        promptTokens: 202n,
        completionTokens: 22n,
        reasoningTokens: 3n,
      },
    ],
  );
  const users = await reports.summary({
    grain: 'h',
    groupBy: 'external_user',
    sincePeriod: '2026-11-20T00',
    beforePeriod: '2026-11-22T00',
    keyHash: null,
  });
  assert.deepEqual(
    users.map((row) => [row.period, row.group, row.requests, row.usagePico]),
    [
      ['2026-11-20T00', 'alice', 1n, 1_000_000n],
      ['2026-11-20T02', 'alice', 1n, 3_000_000n],
      ['2026-11-21T03', 'bob', 1n, 4_000_000n],
    ],
  );
}

test('migration 0008 fills the log columns and the rollups from existing records (SQLite)', async (t) => {
  const directory = await mkdtemp(join(tmpdir(), 'tollgate-migration-'));
  const database = createSqliteKysely({ path: join(directory, 'tollgate.db') });
  t.after(async () => {
    await database.destroy();
    await rm(directory, { recursive: true, force: true });
  });
  await checkBackfill(database, 'sqlite');
});

test('migration 0008 fills the log columns and the rollups from existing records (PostgreSQL)', async (t) => {
  const fresh = await createFreshPostgresDatabase();
  const database = createPostgresKysely(createPostgresPool({ url: fresh.url }));
  t.after(async () => {
    await database.destroy();
    await fresh.drop();
  });
  await checkBackfill(database, 'postgres');
});
