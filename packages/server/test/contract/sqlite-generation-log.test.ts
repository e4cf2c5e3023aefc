/**
 * The SQLite generation log (decision 0044): a commit of few records appends them to
 * `generation_log`; their `generations` rows, content and rollups are written later. Every read
 * must see them meanwhile, a crash must leave nothing behind, and a duplicate must be refused
 * as the primary key of `generations` would refuse it.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { createStorage } from '../../src/storage/create-storage.js';
import { LOG_BELOW_ROWS } from '../../src/storage/sqlite-generation-log.js';
import type { Storage } from '../../src/storage/storage.js';
import { generationRow, inflightRow } from './storage-contract.js';

const KEY_A = 'a'.repeat(64);
const KEY_B = 'b'.repeat(64);

async function openFile(t: TestContext, path?: string) {
  const directory = await mkdtemp(join(tmpdir(), 'tollgate-log-'));
  const file = path ?? join(directory, 'tollgate.db');
  const storage: Storage = await createStorage({
    kind: 'sqlite',
    path: file,
    durability: 'process',
  });
  // Another connection, reading the file as it is on disk.
  const reader = new SqliteDatabase(file, { readonly: true });
  const count = (table: 'generations' | 'generation_log' | 'generation_content') =>
    Number(reader.prepare(`select count(*) from ${table}`).pluck().get());
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    reader.close();
    await storage.close();
  };
  t.after(async () => {
    await close();
    await rm(directory, { recursive: true, force: true });
  });
  return { storage, file, directory, count, close };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

test('a commit of one record goes to the log, and every read sees it before it is materialized', async (t) => {
  const { storage, count } = await openFile(t);
  const row = generationRow({
    keyHash: KEY_A,
    usagePico: 1_234_567n,
    totalCostPico: 1_234_567n,
    externalUser: 'user-1',
    content: new Uint8Array([1, 2, 3]),
  });
  await storage.generations.insertMany([row]);
  assert.equal(count('generation_log'), 1, 'appended to the log');
  assert.equal(count('generations'), 0, 'not yet materialized');

  // By id: from memory, byte for byte, without materializing.
  assert.deepEqual(await storage.generations.get(row.id), {
    keyHash: KEY_A,
    recordVersion: 1,
    record: row.record,
  });
  assert.deepEqual(await storage.generations.getContent(row.id), new Uint8Array([1, 2, 3]));
  assert.equal(count('generation_log'), 1);

  // Any other read materializes first: sums, listings, rollups.
  assert.equal(await storage.generations.sumUsage(KEY_A), 1_234_567n);
  assert.equal(count('generation_log'), 0, 'materialized by the read');
  assert.equal(count('generations'), 1);
  assert.equal(count('generation_content'), 1);
  assert.deepEqual(
    Buffer.from((await storage.generations.getContent(row.id)) ?? []),
    Buffer.from([1, 2, 3]),
  );
  const summary = await storage.reports.summary({
    grain: 'd',
    groupBy: 'external_user',
    sincePeriod: '2026-11-22',
    beforePeriod: '2026-11-23',
    keyHash: KEY_A,
  });
  assert.deepEqual(
    summary.map((each) => [each.group, each.usagePico, each.requests]),
    [['user-1', 1_234_567n, 1n]],
  );
});

test('each kind of read sees a held record', async (t) => {
  const reads: Array<[string, (storage: Storage) => Promise<unknown>, unknown]> = [
    ['sumUsage', (storage) => storage.generations.sumUsage(KEY_B), 5_000n],
    ['sumAllUsage', (storage) => storage.generations.sumAllUsage(), 5_000n],
    [
      'sumUsageBefore',
      (storage) => storage.generations.sumUsageBefore(KEY_B, null, '2027-01-01T00:00:00.000Z'),
      5_000n,
    ],
    ['count', (storage) => storage.generations.count(), 1],
    [
      'listGenerations',
      async (storage) => {
        const filter = {
          keyHash: KEY_B,
          sinceIso: null,
          beforeIso: null,
          model: null,
          providerName: null,
          externalUser: null,
          sessionId: null,
          apiType: null,
          outcome: null,
          minCostPico: null,
        };
        return (await storage.reports.listGenerations(filter, null, 10)).length;
      },
      1,
    ],
    [
      'activity',
      async (storage) =>
        (await storage.reports.activity('2026-11-22', '2026-11-23')).map((row) => row.requests),
      [1n],
    ],
  ];
  for (const [name, read, expected] of reads) {
    const { storage, count } = await openFile(t);
    await storage.generations.insertMany([
      generationRow({ keyHash: KEY_B, usagePico: 5_000n, totalCostPico: 5_000n }),
    ]);
    assert.equal(count('generations'), 0, `${name}: held before the read`);
    assert.deepEqual(await read(storage), expected, name);
  }
});

test('a crash with records in the log: the next start materializes them, once', async (t) => {
  const first = await openFile(t);
  const streamed = generationRow({ keyHash: KEY_A, usagePico: 700n, totalCostPico: 700n });
  await first.storage.inflight.insertMany([inflightRow(streamed.id)]);
  const rows = [
    streamed,
    generationRow({ keyHash: KEY_A, usagePico: 300n, totalCostPico: 300n, externalUser: 'u' }),
    generationRow({
      keyHash: KEY_B,
      usagePico: 11n,
      totalCostPico: 11n,
      content: Buffer.from('z'),
    }),
  ];
  for (const row of rows) await first.storage.generations.insertMany([row]);
  assert.equal(first.count('generation_log'), 3);
  // The files as a kill -9 leaves them right now (the WAL holds the log; -shm is rebuilt).
  const crashDirectory = await mkdtemp(join(tmpdir(), 'tollgate-log-crash-'));
  t.after(() => rm(crashDirectory, { recursive: true, force: true }));
  const crashed = join(crashDirectory, 'tollgate.db');
  copyFileSync(first.file, crashed);
  if (existsSync(`${first.file}-wal`)) copyFileSync(`${first.file}-wal`, `${crashed}-wal`);
  await first.close();

  for (const round of [1, 2]) {
    const restarted = await openFile(t, crashed);
    assert.equal(restarted.count('generation_log'), 0, `round ${round}: the log is empty`);
    assert.equal(restarted.count('generations'), 3, `round ${round}: every record, once`);
    assert.equal(await restarted.storage.generations.sumUsage(KEY_A), 1_000n);
    assert.equal(await restarted.storage.generations.sumUsage(KEY_B), 11n);
    for (const row of rows) {
      assert.equal((await restarted.storage.generations.get(row.id))?.record, row.record);
    }
    assert.deepEqual(
      Buffer.from((await restarted.storage.generations.getContent(rows[2]?.id ?? '')) ?? []),
      Buffer.from('z'),
    );
    assert.equal(await restarted.storage.inflight.get(streamed.id), undefined, 'journal row gone');
    const users = await restarted.storage.reports.summary({
      grain: 'h',
      groupBy: 'external_user',
      sincePeriod: '2026-11-22T00',
      beforePeriod: '2026-11-23T00',
      keyHash: KEY_A,
    });
    assert.deepEqual(
      users.map((each) => [each.group, each.usagePico]),
      [['u', 300n]],
    );
    await restarted.close();
  }
});

test(`a group commit of ${LOG_BELOW_ROWS} or more records writes them at once`, async (t) => {
  const { storage, count } = await openFile(t);
  await storage.generations.insertMany(
    Array.from({ length: LOG_BELOW_ROWS }, () => generationRow()),
  );
  assert.equal(count('generation_log'), 0);
  assert.equal(count('generations'), LOG_BELOW_ROWS);
});

test('a duplicate of a held record is refused, and materializing goes on', async (t) => {
  const { storage, count } = await openFile(t);
  const row = generationRow({ usagePico: 42n, totalCostPico: 42n });
  await storage.generations.insertMany([row]);
  await assert.rejects(storage.generations.insertMany([row]), /UNIQUE constraint failed/);
  await assert.rejects(
    storage.generations.insertMany([generationRow(), generationRow({ id: row.id })]),
    /UNIQUE constraint failed/,
  );
  await assert.rejects(
    storage.generations.insertMany([
      ...Array.from({ length: LOG_BELOW_ROWS }, () => generationRow()),
      generationRow({ id: row.id }),
    ]),
    /UNIQUE constraint failed/,
  );
  assert.equal(await storage.generations.sumAllUsage(), 42n);
  // Now in `generations`: refused by the append's own check.
  await assert.rejects(storage.generations.insertMany([row]), /UNIQUE constraint failed/);
  assert.equal(count('generations'), 1);
  assert.equal(count('generation_log'), 0);
});

test('held records are materialized without any read once enough are held, and on close', async (t) => {
  const { storage, count, close, file } = await openFile(t);
  for (let index = 0; index < 256; index += 1) {
    await storage.generations.insertMany([generationRow()]);
  }
  await nextTurn();
  await nextTurn();
  assert.equal(count('generation_log'), 0, '256 held: materialized on the next turn');
  assert.equal(count('generations'), 256);
  await storage.generations.insertMany([generationRow()]);
  assert.equal(count('generation_log'), 1);
  await close();
  const after = new SqliteDatabase(file, { readonly: true });
  t.after(() => after.close());
  const left = after.prepare('select count(*) from generation_log').pluck().get();
  assert.equal(left, 0, 'closing materialized the held one');
  assert.equal(after.prepare('select count(*) from generations').pluck().get(), 257);
});
