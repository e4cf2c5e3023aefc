import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { GenerationRecordSchema } from '@tollgate/protocol';
import { pino } from 'pino';
import { parsePricing } from '../../src/ledger/cost-engine.js';
import { finishGeneration } from '../../src/ledger/generation-record.js';
import {
  defaultNodeId,
  InflightJournal,
  type PendingFacts,
  parsePendingFacts,
  toInflightRow,
} from '../../src/ledger/inflight-journal.js';
import { finishRecovered, recoverInflight } from '../../src/ledger/recover-inflight.js';
import { createStorage } from '../../src/storage/create-storage.js';
import type { Storage } from '../../src/storage/storage.js';
import { createFreshPostgresDatabase } from '../helpers/fresh-postgres-database.js';

const logger = pino({ level: 'silent' });
const NODE = 'node-a';

/** The facts a stream has when its id is about to leave: 40 prompt tokens at $1 / $2 per M. */
function pendingFacts(id: string, overrides: Partial<PendingFacts> = {}): PendingFacts {
  return {
    id,
    requestId: `req-1795300000-${id.slice(-20)}`,
    keyHash: 'a'.repeat(64),
    workspaceId: 'default',
    createdAtMs: 1_795_300_000_123,
    model: 'test/model',
    providerName: 'Acme',
    apiType: 'completions',
    streamed: true,
    byokFeePpm: null,
    normalizedPromptTokens: 40,
    promptEstimated: false,
    numMediaPrompt: 0,
    numPromptImages: 0,
    numInputAudioPrompt: 0,
    httpReferer: 'https://app.example',
    userAgent: 'test-agent',
    externalUser: 'user-7',
    sessionId: 'session-1',
    dataRegion: 'global',
    providerResponses: [
      {
        status: 200,
        endpoint_id: 'Acme/upstream-model-1',
        model_permaslug: 'test/model',
        provider_name: 'Acme',
        latency: 12,
        is_byok: false,
      },
    ],
    prices: parsePricing({ prompt: '0.000001', completion: '0.000002', request: '0.0005' }, [
      { prompt_tokens_above: 1000, pricing: { prompt: '0.000003', completion: '0.000004' } },
    ]),
    priceVersion: 'config:0123456789ab',
    ...overrides,
  };
}

const STORAGES = ['sqlite', 'postgres'] as const;

/** A fresh SQLite file, or a fresh PostgreSQL database on TEST_DATABASE_URL's server. */
async function openStorage(t: TestContext, kind: (typeof STORAGES)[number]): Promise<Storage> {
  if (kind === 'postgres') {
    const fresh = await createFreshPostgresDatabase();
    const storage = await createStorage({ kind: 'postgres', url: fresh.url, poolSize: 2 });
    t.after(async () => {
      await storage.close();
      await fresh.drop();
    });
    return storage;
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'tollgate-recover-'));
  const storage = await createStorage({ kind: 'sqlite', path: join(dataDir, 'tollgate.db') });
  t.after(async () => {
    await storage.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  return storage;
}

test('pending facts survive the journal round trip, bigint prices and tiers included', () => {
  const facts = pendingFacts('gen-1795300000-AAAAAAAAAAAAAAAAAAAA');
  assert.deepEqual(parsePendingFacts(toInflightRow(facts, NODE)), facts);
});

test('an attempt journaled with null fields comes back with them omitted (strict SDK shape)', () => {
  const facts = pendingFacts('gen-1795300000-AAAAAAAAAAAAAAAAAAAA');
  const row = toInflightRow(facts, NODE);
  const legacy = JSON.parse(row.facts) as { providerResponses: Array<Record<string, unknown>> };
  legacy.providerResponses = [{ ...legacy.providerResponses[0], id: null, latency: null }];
  const parsed = parsePendingFacts({ ...row, facts: JSON.stringify(legacy) });
  const attempt = parsed.providerResponses[0];
  assert.ok(attempt !== undefined);
  assert.equal(attempt.status, 200);
  assert.equal('id' in attempt, false);
  assert.equal('latency' in attempt, false);
});

test('a journal row that does not match its facts is refused', () => {
  const row = toInflightRow(pendingFacts('gen-1795300000-AAAAAAAAAAAAAAAAAAAA'), NODE);
  assert.throws(() => parsePendingFacts({ ...row, id: 'gen-other' }), /do not match/);
  assert.throws(() => parsePendingFacts({ ...row, factsVersion: 99 }), /unknown facts version/);
});

test('a recovered record is complete, cancelled, and bills the prompt side only', () => {
  const finished = finishRecovered(pendingFacts('gen-1795300000-AAAAAAAAAAAAAAAAAAAA'));
  const record = GenerationRecordSchema.parse(JSON.parse(finished.row.record));
  assert.equal(record.cancelled, true);
  assert.equal(record.streamed, true);
  assert.equal(record.finish_reason, null);
  assert.equal(record.native_finish_reason, null);
  assert.equal(record.upstream_id, null);
  assert.equal(record.latency, null);
  assert.equal(record.generation_time, null);
  assert.equal(record.tokens_prompt, 40);
  assert.equal(record.tokens_completion, null);
  assert.equal(record.native_tokens_prompt, 40);
  assert.equal(record.native_tokens_completion, 0);
  assert.equal(record.origin, 'https://app.example');
  assert.equal(record.external_user, 'user-7');
  // 40 × $0.000001 + the $0.0005 request price; no zero-completion insurance.
  assert.equal(finished.charged, 40n * 1_000_000n + 500_000_000n);
  assert.equal(record.usage, 0.00054);
  const extras = JSON.parse(finished.row.record) as Record<string, unknown>;
  assert.equal(extras['native_tokens_estimated'], true);
  assert.equal(extras['cost_status'], 'priced');
  assert.equal(finished.row.usagePico, finished.charged);
});

test('the same facts with a known empty completion stay insured (the rule is untouched)', () => {
  const { promptEstimated, ...known } = pendingFacts('gen-1795300000-AAAAAAAAAAAAAAAAAAAA');
  const finished = finishGeneration({
    ...known,
    upstreamId: null,
    cancelled: true,
    latencyMs: null,
    generationTimeMs: 5,
    finishReason: null,
    nativeFinishReason: null,
    nativeUsage: null,
    normalizedCompletionTokens: 0,
    normalizedEstimated: promptEstimated,
    numMediaCompletion: 0,
    serviceTier: null,
  });
  assert.equal(finished.charged, 0n);
});

for (const kind of STORAGES) {
  test(`recovery finalizes the node’s rows once, drops those already committed, leaves other nodes’ (${kind})`, async (t) => {
    const storage = await openStorage(t, kind);
    const journal = new InflightJournal(storage.inflight, NODE);
    const ids = ['A', 'B', 'C'].map((letter) => `gen-1795300000-${letter.repeat(20)}`);
    await Promise.all(ids.map((id) => journal.open(pendingFacts(id))));
    const foreign = pendingFacts('gen-1795300000-FFFFFFFFFFFFFFFFFFFF');
    await storage.inflight.insertMany([toInflightRow(foreign, 'node-b')]);
    // C's record made it; its row did not go (a row written by hand: the ledger deletes both at once).
    const committed = finishRecovered(pendingFacts(ids[2] ?? ''));
    await storage.generations.insertMany([committed.row]);
    await storage.inflight.insertMany([toInflightRow(pendingFacts(ids[2] ?? ''), NODE)]);

    const first = await recoverInflight(storage, NODE, logger);
    // A and B are recovered, each charging its prompt side and request fee to the key.
    assert.deepEqual(first, {
      recovered: 2,
      alreadyCommitted: 1,
      unreadable: 0,
      charges: [ids[0], ids[1]].map(() => ({
        keyHash: 'a'.repeat(64),
        usagePico: committed.charged,
        createdAtMs: 1_795_300_000_123,
      })),
    });
    for (const id of ids) assert.ok((await storage.generations.get(id)) !== undefined, id);
    assert.deepEqual(await storage.inflight.listByNode(NODE), []);
    assert.equal((await storage.inflight.listByNode('node-b')).length, 1);
    const stored = await storage.generations.get(ids[0] ?? '');

    const second = await recoverInflight(storage, NODE, logger);
    assert.deepEqual(second, { recovered: 0, alreadyCommitted: 0, unreadable: 0, charges: [] });
    assert.deepEqual(await storage.generations.get(ids[0] ?? ''), stored);
    assert.equal(await storage.generations.count(), 3);
    assert.equal(await storage.generations.sumUsage('a'.repeat(64)), 3n * committed.charged);
  });

  test(`committing a record deletes its journal row in the same transaction (${kind})`, async (t) => {
    const storage = await openStorage(t, kind);
    const journal = new InflightJournal(storage.inflight, NODE);
    const facts = pendingFacts('gen-1795300000-AAAAAAAAAAAAAAAAAAAA');
    await journal.open(facts);
    assert.equal((await storage.inflight.listByNode(NODE)).length, 1);
    await storage.generations.insertMany([finishRecovered(facts).row]);
    assert.deepEqual(await storage.inflight.listByNode(NODE), []);
  });

  test(`an unreadable row is logged and left for an operator, not turned into a wrong record (${kind})`, async (t) => {
    const storage = await openStorage(t, kind);
    const row = toInflightRow(pendingFacts('gen-1795300000-AAAAAAAAAAAAAAAAAAAA'), NODE);
    await storage.inflight.insertMany([{ ...row, factsVersion: 99 }]);
    assert.deepEqual(await recoverInflight(storage, NODE, logger), {
      recovered: 0,
      alreadyCommitted: 0,
      unreadable: 1,
      charges: [],
    });
    assert.equal(await storage.generations.count(), 0);
    assert.equal((await storage.inflight.listByNode(NODE)).length, 1);
  });
}

test('the default node id is stable per host and storage, and shows no credential', () => {
  const sqlite = defaultNodeId({ kind: 'sqlite', path: 'data/tollgate.db' });
  assert.equal(sqlite, defaultNodeId({ kind: 'sqlite', path: './data/tollgate.db' }));
  assert.notEqual(sqlite, defaultNodeId({ kind: 'sqlite', path: 'other/tollgate.db' }));
  const postgres = defaultNodeId({ kind: 'postgres', url: 'postgres://tg:s3cret@db:5432/tg' });
  assert.ok(!postgres.includes('s3cret'));
  assert.equal(
    postgres,
    defaultNodeId({ kind: 'postgres', url: 'postgres://tg:s3cret@db:5432/tg', poolSize: 3 }),
  );
});
