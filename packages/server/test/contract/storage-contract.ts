import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { pino } from 'pino';
import { GatewayError } from '../../src/errors/gateway-error.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { startRetention } from '../../src/storage/retention-job.js';
import type {
  ApiKeyRow,
  AuthCodeRow,
  GenerationRow,
  InflightRow,
  Storage,
} from '../../src/storage/storage.js';

/** A storage under test and how to dispose of it (and of everything it stored). */
export interface StorageUnderTest {
  storage: Storage;
  dispose(): Promise<void>;
}

/** Beyond 2^53: a number would lose the low digits, a bigint keeps them. */
export const BEYOND_2_53 = 2n ** 61n + 7n;

/** A generation row with a ~2 KB record, like the ledger writes. */
export function generationRow(overrides: Partial<GenerationRow> = {}): GenerationRow {
  const id = overrides.id ?? `gen-${Math.random().toString(36).slice(2)}`;
  return {
    id,
    keyHash: 'a'.repeat(64),
    requestId: `req-${id}`,
    createdAt: '2026-11-22T08:00:00.000Z',
    model: 'test/model',
    providerName: 'Acme',
    apiType: 'completions',
    isByok: false,
    cancelled: false,
    usagePico: 1_000n,
    totalCostPico: 1_000n,
    upstreamCostPico: null,
    recordVersion: 1,
    endpointId: 'Acme/model-1',
    externalUser: null,
    sessionId: null,
    outcome: 'ok',
    promptTokens: 10,
    completionTokens: 20,
    reasoningTokens: 0,
    content: null,
    record: JSON.stringify({ id, model: 'test/model', padding: 'x'.repeat(1900) }),
    ...overrides,
  };
}

/** An API key row. */
/** An in-flight journal row with the given id (node-1, key `a…a`, no checkpoint yet). */
export function inflightRow(id: string, overrides: Partial<InflightRow> = {}): InflightRow {
  return {
    id,
    nodeId: 'node-1',
    keyHash: 'a'.repeat(64),
    createdAt: '2026-12-07T00:00:00.000Z',
    factsVersion: 1,
    facts: '{}',
    relayedBytes: null,
    ...overrides,
  };
}

export function apiKeyRow(overrides: Partial<ApiKeyRow> = {}): ApiKeyRow {
  return {
    hash: 'k'.repeat(64),
    name: 'key',
    label: 'sk-tg-v1-abc...xyz',
    isManagement: false,
    disabled: false,
    limitPico: null,
    limitReset: null,
    includeByokInLimit: false,
    workspaceId: 'default',
    creatorUserId: null,
    createdAt: '2026-11-22T08:00:00.000Z',
    updatedAt: null,
    expiresAt: null,
    rateLimit: null,
    storeContent: null,
    ...overrides,
  };
}

/** An OAuth authorization code row (as stored: by hash). */
export function authCodeRow(overrides: Partial<AuthCodeRow> = {}): AuthCodeRow {
  return {
    codeHash: 'c'.repeat(64),
    appId: 2 ** 47 + 3,
    callbackUrl: 'http://localhost:3000/callback',
    codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    codeChallengeMethod: 'S256',
    keyName: 'My app',
    limitPico: BEYOND_2_53,
    limitReset: 'monthly',
    keyExpiresAt: null,
    workspaceId: 'default',
    creatorUserId: null,
    approvedByKeyHash: 'k'.repeat(64),
    createdAt: '2026-12-07T10:00:00.000Z',
    expiresAt: '2026-12-07T10:10:00.000Z',
    ...overrides,
  };
}

/**
 * The Storage contract: the same test bodies for every dialect. `open` gives each test a fresh,
 * migrated, empty storage.
 */
export function describeStorageContract(name: string, open: () => Promise<StorageUnderTest>): void {
  describe(`Storage contract: ${name}`, () => {
    let current: StorageUnderTest;
    let storage: Storage;
    beforeEach(async () => {
      current = await open();
      storage = current.storage;
    });
    afterEach(async () => {
      await current.dispose();
    });

    test('returns a committed record byte for byte and undefined for an unknown id', async () => {
      const row = generationRow({ id: 'gen-1', record: '{"id":"gen-1","total_cost":0.5,"é":"ü"}' });
      await storage.generations.insertMany([row]);
      assert.deepEqual(await storage.generations.get('gen-1'), {
        keyHash: row.keyHash,
        recordVersion: 1,
        record: row.record,
      });
      assert.equal(await storage.generations.get('gen-unknown'), undefined);
      assert.equal(await storage.generations.get('gen-\u0000'), undefined);
      assert.equal(await storage.generations.count(), 1);
    });

    test('inserts a batch atomically: a duplicate id rejects the whole batch', async () => {
      await storage.generations.insertMany([generationRow({ id: 'gen-dup' })]);
      await assert.rejects(
        storage.generations.insertMany([
          generationRow({ id: 'gen-new' }),
          generationRow({ id: 'gen-dup' }),
        ]),
      );
      assert.equal(await storage.generations.get('gen-new'), undefined);
      assert.equal(await storage.generations.count(), 1);
    });

    test("replaces a journal row's facts by id, inserts an absent one, and refreshes facts with a checkpoint without bringing back a finalized row", async () => {
      await storage.inflight.insertMany([inflightRow('gen-a', { facts: '{"first":1}' })]);
      await storage.inflight.checkpoint([{ id: 'gen-a', relayedBytes: 7 }]);
      await storage.inflight.upsertMany([
        inflightRow('gen-a', { facts: '{"second":2}', factsVersion: 2 }),
        inflightRow('gen-b', { facts: '{"b":1}' }),
      ]);
      const replaced = await storage.inflight.get('gen-a');
      assert.equal(replaced?.facts, '{"second":2}');
      assert.equal(replaced?.factsVersion, 2);
      assert.equal(replaced?.relayedBytes, 7, 'a checkpoint is kept');
      assert.equal((await storage.inflight.get('gen-b'))?.facts, '{"b":1}');
      // Facts alone (bytes unchanged), bytes and facts, and a row already finalized.
      await storage.generations.insertMany([generationRow({ id: 'gen-b' })]);
      assert.equal(await storage.inflight.get('gen-b'), undefined);
      await storage.inflight.checkpoint([
        { id: 'gen-a', relayedBytes: null, facts: '{"third":3}' },
        { id: 'gen-b', relayedBytes: 9, facts: '{"gone":1}' },
      ]);
      const refreshed = await storage.inflight.get('gen-a');
      assert.equal(refreshed?.facts, '{"third":3}');
      assert.equal(refreshed?.relayedBytes, 7);
      await storage.inflight.checkpoint([{ id: 'gen-a', relayedBytes: 11, facts: '{"fourth":4}' }]);
      assert.equal((await storage.inflight.get('gen-a'))?.facts, '{"fourth":4}');
      assert.equal((await storage.inflight.get('gen-a'))?.relayedBytes, 11);
      assert.equal(await storage.inflight.get('gen-b'), undefined, 'a checkpoint never inserts');
    });

    test('inserts a batch larger than one statement can carry', async () => {
      const rows = Array.from({ length: 4500 }, (_, index) =>
        generationRow({ id: `gen-${index}`, usagePico: BigInt(index) }),
      );
      await storage.generations.insertMany(rows);
      assert.equal(await storage.generations.count(), 4500);
      assert.equal(await storage.generations.sumAllUsage(), (4499n * 4500n) / 2n);
    });

    test('keeps money beyond 2^53 exact in columns and sums', async () => {
      const key = 'b'.repeat(64);
      await storage.generations.insertMany([
        generationRow({ id: 'gen-a', keyHash: key, usagePico: BEYOND_2_53 }),
        generationRow({ id: 'gen-b', keyHash: key, usagePico: BEYOND_2_53 }),
        generationRow({ id: 'gen-c', keyHash: key, usagePico: BEYOND_2_53 }),
      ]);
      const expected = 3n * BEYOND_2_53;
      assert.equal(await storage.generations.sumUsage(key), expected);
      assert.equal(await storage.generations.sumAllUsage(), expected);
      assert.equal(typeof (await storage.generations.sumAllUsage()), 'bigint');
      await storage.apiKeys.insert(apiKeyRow({ limitPico: BEYOND_2_53 }));
      assert.equal((await storage.apiKeys.get('k'.repeat(64)))?.limitPico, BEYOND_2_53);
      await storage.credits.insert({
        id: 'grant-1',
        amountPico: BEYOND_2_53,
        note: null,
        createdAt: '2026-11-22T08:00:00.000Z',
      });
      await storage.credits.insert({
        id: 'grant-2',
        amountPico: -5n,
        note: 'correction',
        createdAt: '2026-11-22T08:00:01.000Z',
      });
      assert.deepEqual(await storage.credits.totals(), { totalPico: BEYOND_2_53 - 5n, count: 2 });
    });

    test('keeps sums exact beyond 2^63 (SQLite’s SUM overflows there)', async () => {
      const key = 'f'.repeat(64);
      const each = 2n ** 62n + 3n;
      // One a year: no rollup bucket of the activity tables holds two of them.
      const years = [2021, 2022, 2023, 2024, 2025];
      await storage.generations.insertMany(
        years.map((year) =>
          generationRow({
            id: `gen-huge-${year}`,
            keyHash: key,
            createdAt: `${year}-06-01T10:00:00.000Z`,
            usagePico: each,
            isByok: true,
            upstreamCostPico: each,
          }),
        ),
      );
      const total = 5n * each;
      assert.ok(total > 2n ** 63n);
      assert.equal(await storage.generations.sumUsage(key), total);
      assert.equal(await storage.generations.sumAllUsage(), total);
      assert.equal(
        await storage.generations.sumUsageBefore(key, null, '2024-01-01T00:00:00.000Z'),
        3n * each,
      );
      assert.deepEqual(await storage.generations.sumKeyWindows(key, ['2024-01-01T00:00:00.000Z']), {
        usage: [total, 2n * each],
        byok: [total, 2n * each],
      });
      for (const [index, amountPico] of [each, each, each, -7n].entries()) {
        await storage.credits.insert({
          id: `grant-huge-${index}`,
          amountPico,
          note: null,
          createdAt: `2026-11-22T08:00:0${index}.000Z`,
        });
      }
      assert.deepEqual(await storage.credits.totals(), { totalPico: 3n * each - 7n, count: 4 });
    });

    test('sums usage per key, per window and before an instant', async () => {
      const key = 'c'.repeat(64);
      const other = 'd'.repeat(64);
      await storage.generations.insertMany([
        generationRow({
          id: 'g1',
          keyHash: key,
          createdAt: '2026-11-20T10:00:00.000Z',
          usagePico: 1n,
        }),
        generationRow({
          id: 'g2',
          keyHash: key,
          createdAt: '2026-11-21T10:00:00.000Z',
          usagePico: 10n,
        }),
        generationRow({
          id: 'g3',
          keyHash: key,
          createdAt: '2026-11-22T10:00:00.000Z',
          usagePico: 100n,
        }),
        generationRow({
          id: 'g4',
          keyHash: other,
          createdAt: '2026-11-21T10:00:00.000Z',
          usagePico: 1000n,
        }),
      ]);
      const generations = storage.generations;
      assert.equal(await generations.sumUsage(key), 111n);
      assert.equal(await generations.sumUsage(key, '2026-11-21T10:00:00.000Z'), 110n);
      assert.equal(await generations.sumUsage('e'.repeat(64)), 0n);
      assert.equal(await generations.sumAllUsage(), 1111n);
      assert.equal(await generations.sumUsageBefore(key, null, '2026-11-22T00:00:00.000Z'), 11n);
      assert.equal(
        await generations.sumUsageBefore(
          key,
          '2026-11-21T00:00:00.000Z',
          '2026-11-22T00:00:00.000Z',
        ),
        10n,
      );
      assert.equal(await generations.sumUsageBefore(null, null, '2026-11-22T00:00:00.000Z'), 1011n);
    });

    test('loses nothing under concurrent batch inserts', async () => {
      const batches = Array.from({ length: 20 }, (_, batch) =>
        Array.from({ length: 50 }, (_, index) =>
          generationRow({ id: `gen-${batch}-${index}`, usagePico: BigInt(batch * 50 + index) }),
        ),
      );
      await Promise.all(batches.map((rows) => storage.generations.insertMany(rows)));
      assert.equal(await storage.generations.count(), 1000);
      assert.equal(await storage.generations.sumAllUsage(), (999n * 1000n) / 2n);
      for (const id of ['gen-0-0', 'gen-7-23', 'gen-19-49']) {
        assert.notEqual(await storage.generations.get(id), undefined);
      }
    });

    test('keeps the usage rollups equal to the records of concurrent ledger batches', async () => {
      const ledger = new Ledger(storage.generations, null, pino({ level: 'silent' }));
      const rows = Array.from({ length: 700 }, (_, index) =>
        generationRow({
          id: `gen-r-${index}`,
          keyHash: String(index % 5).repeat(64),
          model: `test/model-${index % 3}`,
          endpointId: index % 7 === 0 ? null : `Acme/model-${index % 3}`,
          externalUser: index % 4 === 0 ? null : `user-${index % 2}`,
          createdAt: `2026-11-22T0${index % 2}:00:00.000Z`,
          isByok: index % 6 === 0,
          upstreamCostPico: index % 6 === 0 ? 2n ** 53n + BigInt(index) : null,
          usagePico: 2n ** 53n + BigInt(index),
          promptTokens: index,
          completionTokens: 2 * index,
          reasoningTokens: index % 3,
          content: index % 10 === 0 ? new Uint8Array([index % 256, 1, 2]) : null,
        }),
      );
      await storage.inflight.insertMany(rows.map((row) => inflightRow(row.id)));
      // Committed in one turn: a backlog the ledger may share among concurrent batches.
      const facts = { providerResponses: [], upstreamReportedCost: null, uncappedCost: null };
      await Promise.all(rows.map((row) => ledger.commit(row, facts)));
      const expected = new Map<string, bigint[]>();
      for (const row of rows) {
        for (const group of [`key ${row.keyHash}`, `user ${row.externalUser}`]) {
          if (group === 'user null') continue;
          const key = `${row.createdAt.slice(0, 13)} ${group}`;
          const sums = expected.get(key) ?? [0n, 0n, 0n, 0n, 0n, 0n];
          sums[0] = (sums[0] ?? 0n) + row.usagePico;
          sums[1] = (sums[1] ?? 0n) + (row.isByok ? (row.upstreamCostPico ?? 0n) : 0n);
          sums[2] = (sums[2] ?? 0n) + 1n;
          sums[3] = (sums[3] ?? 0n) + BigInt(row.promptTokens);
          sums[4] = (sums[4] ?? 0n) + BigInt(row.completionTokens);
          sums[5] = (sums[5] ?? 0n) + BigInt(row.reasoningTokens);
          expected.set(key, sums);
        }
      }
      const actual = new Map<string, bigint[]>();
      for (const [groupBy, prefix] of [
        ['key', 'key'],
        ['external_user', 'user'],
      ] as const) {
        const summary = await storage.reports.summary({
          grain: 'h',
          groupBy,
          sincePeriod: '2026-11-22T00',
          beforePeriod: '2026-11-23T00',
          keyHash: null,
        });
        for (const row of summary) {
          actual.set(`${row.period} ${prefix} ${row.group}`, [
            row.usagePico,
            row.byokUsagePico,
            row.requests,
            row.promptTokens,
            row.completionTokens,
            row.reasoningTokens,
          ]);
        }
      }
      assert.deepEqual(actual, expected);
      const activity = await storage.reports.activity('2026-11-22', '2026-11-23');
      assert.equal(
        activity.reduce((sum, row) => sum + row.usagePico, 0n),
        rows.reduce((sum, row) => sum + row.usagePico, 0n),
      );
      assert.equal(await storage.generations.count(), 700);
      assert.deepEqual([...((await storage.generations.getContent('gen-r-30')) ?? [])], [30, 1, 2]);
      assert.equal(await storage.generations.getContent('gen-r-31'), undefined);
      for (const id of ['gen-r-0', 'gen-r-349', 'gen-r-699']) {
        assert.equal(await storage.inflight.get(id), undefined, `journal row ${id} removed`);
      }
    });

    test('a record finalized from the journal (recovery) is in the usage rollups once', async () => {
      const recovered = generationRow({
        id: 'gen-recovered-1',
        keyHash: 'e'.repeat(64),
        externalUser: 'tenant-9',
        createdAt: '2026-11-21T05:00:00.000Z',
        usagePico: 540_000_000n,
        promptTokens: 12,
        completionTokens: 34,
      });
      await storage.inflight.insertMany([inflightRow(recovered.id)]);
      // Two finalizers of the same row (a node's restart and a survivor's sweep): one record.
      assert.deepEqual(await storage.inflight.finalizeMany([recovered]), [recovered.id]);
      assert.deepEqual(await storage.inflight.finalizeMany([recovered]), []);
      const activity = await storage.reports.activity('2026-11-21', '2026-11-22');
      assert.equal(
        activity.reduce((sum, row) => sum + row.usagePico, 0n),
        540_000_000n,
      );
      for (const groupBy of ['key', 'external_user'] as const) {
        const summary = await storage.reports.summary({
          grain: 'd',
          groupBy,
          sincePeriod: '2026-11-21',
          beforePeriod: '2026-11-22',
          keyHash: null,
        });
        assert.deepEqual(
          summary.map((row) => [row.usagePico, row.requests, row.completionTokens]),
          [[540_000_000n, 1n, 34n]],
          groupBy,
        );
      }
    });

    test('creates, reads, updates and deletes API keys', async () => {
      const hash = 'f'.repeat(64);
      const row = apiKeyRow({
        hash,
        isManagement: true,
        limitPico: 5_000_000_000_000n,
        limitReset: 'monthly',
        includeByokInLimit: true,
        creatorUserId: 'user-1',
        expiresAt: '2027-01-01T00:00:00.000Z',
        rateLimit: { requests: 10, intervalSeconds: 60 },
      });
      await storage.apiKeys.insert(row);
      assert.deepEqual(await storage.apiKeys.get(hash), row);
      assert.equal(await storage.apiKeys.countManagementKeys(), 1);
      // Another enabled management key, so this one may be disabled and deleted.
      await storage.apiKeys.insert(apiKeyRow({ hash: 'm'.repeat(64), isManagement: true }));
      const updated = await storage.apiKeys.update(hash, {
        name: 'renamed',
        disabled: true,
        limitPico: null,
        limitReset: null,
        rateLimit: null,
        updatedAt: '2026-11-22T09:00:00.000Z',
      });
      assert.deepEqual(updated, {
        ...row,
        name: 'renamed',
        disabled: true,
        limitPico: null,
        limitReset: null,
        rateLimit: null,
        updatedAt: '2026-11-22T09:00:00.000Z',
      });
      assert.equal(await storage.apiKeys.update('0'.repeat(64), { name: 'x' }), undefined);
      await assert.rejects(storage.apiKeys.insert(row), 'a hash is unique');
      assert.equal(await storage.apiKeys.delete(hash), true);
      assert.equal(await storage.apiKeys.delete(hash), false);
      assert.equal(await storage.apiKeys.get(hash), undefined);
      assert.equal(await storage.apiKeys.get(`${hash}\u0000`), undefined);
      assert.equal(await storage.apiKeys.update(`${hash}\u0000`, { name: 'x' }), undefined);
      assert.equal(await storage.apiKeys.delete(`${hash}\u0000`), false);
      assert.equal(await storage.apiKeys.countManagementKeys(), 1);
    });

    test('refuses (409) to disable or delete the last enabled management key, and changes nothing', async () => {
      const only = apiKeyRow({ hash: 'a'.repeat(64), isManagement: true });
      const expired = apiKeyRow({
        hash: 'b'.repeat(64),
        isManagement: true,
        expiresAt: '2000-01-01T00:00:00.000Z',
      });
      await storage.apiKeys.insert(only);
      await storage.apiKeys.insert(expired);
      assert.equal(await storage.apiKeys.countEnabledManagementKeys(new Date().toISOString()), 1);
      const isConflict = (error: unknown) => GatewayError.is(error) && error.status === 409;
      await assert.rejects(storage.apiKeys.update(only.hash, { disabled: true }), isConflict);
      await assert.rejects(storage.apiKeys.delete(only.hash), isConflict);
      assert.deepEqual(await storage.apiKeys.get(only.hash), only);
      // Renaming is no disabling; the expired one may go.
      assert.equal((await storage.apiKeys.update(only.hash, { name: 'x' }))?.name, 'x');
      assert.equal(await storage.apiKeys.delete(expired.hash), true);
      await storage.apiKeys.insert(apiKeyRow({ hash: 'c'.repeat(64), isManagement: true }));
      assert.equal((await storage.apiKeys.update(only.hash, { disabled: true }))?.disabled, true);
    });

    test('rotates the bootstrap key: the new one enabled, every previous one deleted, concurrently idempotent', async () => {
      const first = apiKeyRow({ hash: '1'.repeat(64), name: 'bootstrap', isManagement: true });
      await storage.apiKeys.insertBootstrapKey(first);
      const other = apiKeyRow({ hash: '2'.repeat(64), name: 'cli', isManagement: true });
      await storage.apiKeys.insert(other);
      const next = apiKeyRow({ hash: '3'.repeat(64), name: 'bootstrap', isManagement: true });
      const [one, two] = await Promise.all([
        storage.apiKeys.rotateBootstrapKey(next),
        storage.apiKeys.rotateBootstrapKey(next),
      ]);
      assert.deepEqual(
        [...(one ?? []), ...(two ?? [])].map((row) => row.hash),
        [first.hash],
      );
      assert.equal(await storage.apiKeys.get(first.hash), undefined);
      assert.deepEqual(await storage.apiKeys.get(other.hash), other, 'other keys stay');
      // A value that was an ordinary (even disabled) key becomes the bootstrap key.
      const plain = apiKeyRow({ hash: '4'.repeat(64), disabled: true });
      await storage.apiKeys.insert(plain);
      assert.deepEqual(
        (await storage.apiKeys.rotateBootstrapKey({ ...plain, isManagement: true })).map(
          (row) => row.hash,
        ),
        [next.hash],
      );
      const promoted = await storage.apiKeys.get(plain.hash);
      assert.equal(promoted?.isManagement, true);
      assert.equal(promoted?.disabled, false);
    });

    test('inserts a key only if absent, so nodes starting at once cannot collide', async () => {
      const row = apiKeyRow({ isManagement: true });
      const results = await Promise.all([
        storage.apiKeys.insertIfAbsent(row),
        storage.apiKeys.insertIfAbsent({ ...row, name: 'second' }),
        storage.apiKeys.insertIfAbsent({ ...row, name: 'third' }),
      ]);
      assert.deepEqual(results.filter(Boolean).length, 1);
      assert.equal(await storage.apiKeys.countManagementKeys(), 1);
    });

    test('lists keys newest first, ties by hash, paged, disabled ones on request', async () => {
      const rows = [
        apiKeyRow({ hash: `1${'0'.repeat(63)}`, createdAt: '2026-11-20T00:00:00.000Z' }),
        apiKeyRow({ hash: `3${'0'.repeat(63)}`, createdAt: '2026-11-22T00:00:00.000Z' }),
        apiKeyRow({ hash: `2${'0'.repeat(63)}`, createdAt: '2026-11-22T00:00:00.000Z' }),
        apiKeyRow({
          hash: `4${'0'.repeat(63)}`,
          createdAt: '2026-11-21T00:00:00.000Z',
          disabled: true,
        }),
      ];
      for (const row of rows) await storage.apiKeys.insert(row);
      const hashes = async (options: { includeDisabled: boolean; offset: number; limit: number }) =>
        (await storage.apiKeys.list(options)).map((row) => row.hash[0]);
      assert.deepEqual(await hashes({ includeDisabled: true, offset: 0, limit: 10 }), [
        '2',
        '3',
        '4',
        '1',
      ]);
      assert.deepEqual(await hashes({ includeDisabled: false, offset: 0, limit: 10 }), [
        '2',
        '3',
        '1',
      ]);
      assert.deepEqual(await hashes({ includeDisabled: true, offset: 1, limit: 2 }), ['3', '4']);
    });

    test('retention deletes old records in batches and leaves every usage sum unchanged', async () => {
      const key = '1'.repeat(64);
      const other = '2'.repeat(64);
      const old = [
        generationRow({
          id: 'old-1',
          keyHash: key,
          createdAt: '2026-11-01T01:00:00.000Z',
          usagePico: BEYOND_2_53,
        }),
        generationRow({
          id: 'old-2',
          keyHash: key,
          createdAt: '2026-11-01T23:59:59.999Z',
          usagePico: 2n,
        }),
        generationRow({
          id: 'old-3',
          keyHash: key,
          createdAt: '2026-11-02T12:00:00.000Z',
          usagePico: 4n,
          isByok: true,
          upstreamCostPico: 400n,
        }),
        generationRow({
          id: 'old-4',
          keyHash: other,
          createdAt: '2026-11-01T05:00:00.000Z',
          usagePico: 8n,
        }),
        generationRow({
          id: 'old-5',
          keyHash: other,
          createdAt: '2026-11-09T23:00:00.000Z',
          usagePico: 16n,
        }),
      ];
      const recent = [
        generationRow({
          id: 'new-1',
          keyHash: key,
          createdAt: '2026-11-20T00:00:00.000Z',
          usagePico: 32n,
          isByok: true,
          upstreamCostPico: 3200n,
        }),
        generationRow({
          id: 'new-2',
          keyHash: other,
          createdAt: '2026-11-22T08:00:00.000Z',
          usagePico: 64n,
        }),
      ];
      await storage.generations.insertMany([...old, ...recent]);
      const generations = storage.generations;
      const sums = () =>
        Promise.all([
          generations.sumUsage(key),
          generations.sumUsage(key, '2026-11-02T00:00:00.000Z'),
          generations.sumUsage(other, '2026-11-01T00:00:00.000Z'),
          generations.sumAllUsage(),
          generations.sumUsageBefore(null, null, '2026-11-22T00:00:00.000Z'),
          generations.sumUsageBefore(key, '2026-11-01T00:00:00.000Z', '2026-11-02T00:00:00.000Z'),
          generations.sumUsageBefore(other, '2026-11-09T00:00:00.000Z', '2026-11-21T00:00:00.000Z'),
          generations.sumByokUsage(key),
          generations.sumByokUsage(key, '2026-11-02T00:00:00.000Z'),
          generations.sumByokUsage(key, '2026-11-03T00:00:00.000Z'),
          generations.sumByokUsage(other),
        ]);
      // A key's windows in one statement: the same sums as one by one, records and rollups.
      const starts = ['2026-11-02T00:00:00.000Z', '2026-11-03T00:00:00.000Z'];
      const windows = async () => {
        const one = await generations.sumKeyWindows(key, starts);
        assert.deepEqual(one, {
          usage: await Promise.all([null, ...starts].map((at) => generations.sumUsage(key, at))),
          byok: await Promise.all([null, ...starts].map((at) => generations.sumByokUsage(key, at))),
        });
        return one;
      };
      const windowsBefore = await windows();
      assert.deepEqual(windowsBefore.byok, [3600n, 3600n, 3200n]);
      assert.deepEqual(await generations.sumKeyWindows(other, []), {
        usage: [8n + 16n + 64n],
        byok: [0n],
      });
      await assert.rejects(
        generations.sumKeyWindows(key, ['2026-11-02T10:00:00.000Z']),
        /not a UTC midnight/,
      );
      const before = await sums();
      assert.equal(before[0], BEYOND_2_53 + 2n + 4n + 32n);
      // BYOK usage is the upstream cost of BYOK records only (old-3 and new-1).
      assert.deepEqual(before.slice(7), [3600n, 3600n, 3200n, 0n]);
      const deletedPerBatch: number[] = [];
      for (;;) {
        const deleted = await storage.retention.purgeBatch('2026-11-10T00:00:00.000Z', 2);
        if (deleted === 0) break;
        deletedPerBatch.push(deleted);
      }
      assert.deepEqual(deletedPerBatch, [2, 2, 1]);
      assert.deepEqual(await sums(), before);
      assert.deepEqual(await windows(), windowsBefore);
      for (const row of old) assert.equal(await generations.get(row.id), undefined);
      for (const row of recent) assert.notEqual(await generations.get(row.id), undefined);
      assert.equal(await generations.count(), recent.length);
    });

    test('concurrent retention passes fold each deleted record exactly once', async () => {
      const rows = Array.from({ length: 300 }, (_, index) =>
        generationRow({
          id: `gen-${index}`,
          keyHash: index % 2 === 0 ? '3'.repeat(64) : '4'.repeat(64),
          createdAt: `2026-10-${String(1 + (index % 28)).padStart(2, '0')}T10:00:00.000Z`,
          usagePico: BigInt(index + 1),
        }),
      );
      await storage.generations.insertMany(rows);
      const total = await storage.generations.sumAllUsage();
      const keyTotal = await storage.generations.sumUsage('3'.repeat(64));
      const drain = async () => {
        let deleted = 0;
        for (;;) {
          const batch = await storage.retention.purgeBatch('2026-11-01T00:00:00.000Z', 25);
          deleted += batch;
          if (batch === 0 && (await storage.generations.count()) === 0) return deleted;
        }
      };
      const deleted = await Promise.all([drain(), drain(), drain()]);
      assert.equal(
        deleted.reduce((sum, count) => sum + count, 0),
        300,
      );
      assert.equal(await storage.generations.sumAllUsage(), total);
      assert.equal(await storage.generations.sumUsage('3'.repeat(64)), keyTotal);
    });

    test('the retention job deletes what is older than the retention period', async () => {
      const now = Date.parse('2026-11-22T12:00:00.000Z');
      await storage.generations.insertMany([
        generationRow({ id: 'gen-old', createdAt: '2026-11-12T11:59:59.999Z', usagePico: 5n }),
        generationRow({ id: 'gen-kept', createdAt: '2026-11-12T12:00:00.000Z', usagePico: 7n }),
      ]);
      const job = startRetention({
        retention: storage.retention,
        retentionDays: 10,
        now: () => now,
        logger: pino({ level: 'silent' }),
        batchSize: 1,
      });
      await job.runOnce();
      await job.stop();
      assert.equal(await storage.generations.get('gen-old'), undefined);
      assert.notEqual(await storage.generations.get('gen-kept'), undefined);
      assert.equal(await storage.generations.sumAllUsage(), 12n);
    });

    test('refuses text PostgreSQL cannot store as a 400, on every dialect', async () => {
      const isBadRequest = (error: unknown) => GatewayError.is(error) && error.status === 400;
      await assert.rejects(storage.apiKeys.insert(apiKeyRow({ name: 'a\u0000b' })), isBadRequest);
      await assert.rejects(
        storage.credits.insert({
          id: 'g',
          amountPico: 1n,
          note: 'x\u0000',
          createdAt: '2026-11-22T08:00:00.000Z',
        }),
        isBadRequest,
      );
      await storage.apiKeys.insert(apiKeyRow());
      await assert.rejects(
        storage.apiKeys.update('k'.repeat(64), { name: '\u0000' }),
        isBadRequest,
      );
      assert.equal((await storage.apiKeys.get('k'.repeat(64)))?.name, 'key');
    });

    test('gives an authorization code back exactly once, field for field', async () => {
      const row = authCodeRow();
      await storage.authCodes.insert(row, row.createdAt);
      assert.deepEqual(await storage.authCodes.take(row.codeHash), row);
      assert.equal(await storage.authCodes.take(row.codeHash), undefined);
      assert.equal(await storage.authCodes.take('d'.repeat(64)), undefined);
      const headless = authCodeRow({
        codeHash: 'e'.repeat(64),
        callbackUrl: null,
        codeChallengeMethod: 'plain',
        limitPico: null,
        limitReset: null,
        keyExpiresAt: '2027-01-01T00:00:00.000Z',
        creatorUserId: 'user_1',
      });
      await storage.authCodes.insert(headless, headless.createdAt);
      assert.deepEqual(await storage.authCodes.take(headless.codeHash), headless);
    });

    test('of concurrent takes of one code, exactly one gets it', async () => {
      const row = authCodeRow();
      await storage.authCodes.insert(row, row.createdAt);
      const taken = await Promise.all(
        Array.from({ length: 8 }, () => storage.authCodes.take(row.codeHash)),
      );
      assert.equal(taken.filter((value) => value !== undefined).length, 1);
    });

    test('a new code sweeps the codes that expired', async () => {
      const old = authCodeRow({ codeHash: '1'.repeat(64), expiresAt: '2026-12-07T10:00:00.000Z' });
      const live = authCodeRow({ codeHash: '2'.repeat(64), expiresAt: '2026-12-07T10:20:00.000Z' });
      await storage.authCodes.insert(old, '2026-12-07T09:55:00.000Z');
      await storage.authCodes.insert(live, '2026-12-07T09:55:00.000Z');
      const fresh = authCodeRow({ codeHash: '3'.repeat(64) });
      await storage.authCodes.insert(fresh, '2026-12-07T10:05:00.000Z');
      assert.equal(await storage.authCodes.take(old.codeHash), undefined);
      assert.deepEqual(await storage.authCodes.take(live.codeHash), live);
      assert.deepEqual(await storage.authCodes.take(fresh.codeHash), fresh);
    });

    test('reports no credit until a grant exists', async () => {
      assert.deepEqual(await storage.credits.totals(), { totalPico: 0n, count: 0 });
      assert.equal(await storage.generations.sumAllUsage(), 0n);
      assert.equal(await storage.generations.count(), 0);
    });
  });
}
