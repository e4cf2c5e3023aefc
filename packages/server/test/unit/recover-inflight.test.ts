import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { GenerationRecordSchema } from '@tollgate/protocol';
import { pino } from 'pino';
import { defaultNodeId } from '../../src/config/settings.js';
import { parsePricing } from '../../src/ledger/cost-engine.js';
import { finishGeneration } from '../../src/ledger/generation-record.js';
import {
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

test('a recovered record is charged at most its hold, like a finished one (issue 14)', () => {
  // 1 MB relayed ≈ 250,000 completion tokens × $0.000002 = $0.5, far above a $0.005 hold.
  const cap = 5_000_000_000n;
  const facts = { ...pendingFacts('gen-1795300000-AAAAAAAAAAAAAAAAAAAA'), chargeCap: cap };
  const parsed = parsePendingFacts(toInflightRow(facts, NODE));
  assert.equal(parsed.chargeCap, cap, 'the cap survives the journal as a bigint');
  const capped = finishRecovered(parsed, 1_000_000);
  assert.equal(capped.row.usagePico, cap);
  assert.equal((JSON.parse(capped.row.record) as { cost_capped: boolean }).cost_capped, true);
  const uncapped = finishRecovered({ ...parsed, chargeCap: null }, 1_000_000);
  assert.ok(uncapped.row.usagePico > cap, 'without a hold the delivered text is billed in full');
  assert.equal((JSON.parse(uncapped.row.record) as { cost_capped: boolean }).cost_capped, false);
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

test('a checkpointed stream is billed for ceil(relayed bytes / 4) completion tokens, flagged estimated', () => {
  const facts = pendingFacts('gen-1795300000-AAAAAAAAAAAAAAAAAAAA');
  const finished = finishRecovered(facts, 1001);
  const record = JSON.parse(finished.row.record) as Record<string, unknown>;
  assert.equal(record['tokens_completion'], 251);
  assert.equal(record['native_tokens_completion'], 251);
  assert.equal(record['native_tokens_estimated'], true);
  assert.equal(record['tokens_estimated'], true);
  assert.equal(record['cancelled'], true);
  // The prompt-only charge plus 251 completion tokens at the completion price.
  const promptOnly = finishRecovered(facts).charged;
  const completionPico = facts.prices.completion;
  assert.equal(finished.charged, promptOnly + 251n * completionPico);
});

for (const kind of STORAGES) {
  test(`two nodes finalizing the same rows at once create each record exactly once (${kind})`, async (t) => {
    const storage = await openStorage(t, kind);
    const journal = new InflightJournal(storage.inflight, NODE);
    const ids = Array.from(
      { length: 50 },
      (_, index) => `gen-1795300000-${String(index).padStart(20, 'A')}`,
    );
    await Promise.all(ids.map((id) => journal.open(pendingFacts(id))));
    const results = await Promise.all([
      recoverInflight(storage, NODE, logger),
      recoverInflight(storage, NODE, logger),
      recoverInflight(storage, NODE, logger),
    ]);
    const recovered = results.reduce((sum, result) => sum + result.recovered, 0);
    const charges = results.reduce((sum, result) => sum + result.charges.length, 0);
    assert.equal(recovered, ids.length, 'each row became a record once');
    assert.equal(charges, ids.length, 'each charge is reported once (Redis counts it once)');
    assert.equal(await storage.generations.count(), ids.length);
    assert.deepEqual(await storage.inflight.listByNode(NODE), []);
  });

  test(`checkpoints of many streams are written in one batch and recovered into the records (${kind})`, async (t) => {
    const storage = await openStorage(t, kind);
    const journal = new InflightJournal(storage.inflight, NODE, { checkpointIntervalMs: 10 });
    t.after(() => journal.stopCheckpoints());
    const ids = ['A', 'B', 'C'].map((letter) => `gen-1795300000-${letter.repeat(20)}`);
    await Promise.all(ids.map((id) => journal.open(pendingFacts(id))));
    journal.relayed(ids[0] ?? '', 40);
    journal.relayed(ids[1] ?? '', 7);
    journal.relayed(ids[0] ?? '', 400);
    // C relayed nothing: no checkpoint. Wait for the one batched write (bounded).
    const deadline = Date.now() + 10_000;
    for (;;) {
      const rows = await storage.inflight.listByNode(NODE);
      const bytes = rows.map((row) => row.relayedBytes);
      if (JSON.stringify(bytes) === JSON.stringify([400, 7, null])) break;
      assert.ok(Date.now() < deadline, `checkpoints written: ${JSON.stringify(bytes)}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await recoverInflight(storage, NODE, logger);
    const completions = [];
    for (const id of ids) {
      const stored = await storage.generations.get(id);
      const record = JSON.parse(stored?.record ?? '{}') as Record<string, unknown>;
      completions.push([record['tokens_completion'], record['native_tokens_completion']]);
    }
    assert.deepEqual(completions, [
      [100, 100],
      [2, 2],
      [null, 0],
    ]);
  });

  test(`a lease is held by one process at a time: another holder only once it expired or is replaced (${kind})`, async (t) => {
    const storage = await openStorage(t, kind);
    const leases = storage.nodeLeases;
    assert.equal(await leases.hold('n', 'A', 1000, 31_000), null, 'absent: taken');
    assert.equal(await leases.hold('n', 'A', 2000, 32_000), null, 'own: renewed');
    assert.deepEqual(await leases.hold('n', 'B', 3000, 33_000), {
      holder: 'A',
      expiresAtMs: 32_000,
    });
    assert.equal(await leases.expiresAt('n'), 32_000, 'a refused hold changes nothing');
    assert.equal(await leases.hold('n', 'B', 3000, 33_000, 'A'), null, 'a dead holder replaced');
    assert.deepEqual(await leases.hold('n', 'A', 4000, 34_000, 'C'), {
      holder: 'B',
      expiresAtMs: 33_000,
    });
    assert.equal(await leases.hold('n', 'A', 40_000, 70_000), null, 'expired: taken');
    // A claimer recovering the node's rows is displaced by its holder coming back.
    assert.ok(await leases.claim('n', 'survivor', 80_000, 110_000));
    assert.equal(await leases.hold('n', 'A', 81_000, 111_000), null);
    await leases.release('n', 'survivor');
    assert.equal(await leases.expiresAt('n'), 111_000, 'the claim was cleared');
    // A lease written before holders were recorded (or by renew) is taken by the next holder.
    await leases.renew('legacy', 90_000);
    assert.equal(await leases.hold('legacy', 'A', 1000, 31_000), null);
    // Closing: a lease set to expire at once, only by its own holder.
    assert.deepEqual(await leases.hold('n', 'B', 82_000, 0), { holder: 'A', expiresAtMs: 111_000 });
    assert.equal(await leases.hold('n', 'A', 82_000, 0), null);
    assert.equal(await leases.expiresAt('n'), 0);
  });

  test(`an expired node lease is claimed by exactly one node; a renewed one by none (${kind})`, async (t) => {
    const storage = await openStorage(t, kind);
    await storage.nodeLeases.renew('dead', 1000);
    await storage.nodeLeases.renew('alive', 10_000);
    assert.deepEqual(await storage.nodeLeases.listExpired(5000, 'survivor-1'), ['dead']);
    const claims = await Promise.all(
      ['survivor-1', 'survivor-2', 'survivor-3'].map((claimer) =>
        storage.nodeLeases.claim('dead', claimer, 5000, 35_000),
      ),
    );
    assert.deepEqual(
      claims.filter((claimed) => claimed),
      [true],
    );
    assert.equal(await storage.nodeLeases.claim('alive', 'survivor-1', 5000, 35_000), false);
    const winner = ['survivor-1', 'survivor-2', 'survivor-3'][claims.indexOf(true)] ?? '';
    await storage.nodeLeases.release('dead', winner === 'survivor-1' ? 'survivor-2' : 'survivor-1');
    assert.equal(await storage.nodeLeases.expiresAt('dead'), 35_000, 'only the claimer releases');
    await storage.nodeLeases.release('dead', winner);
    assert.equal(await storage.nodeLeases.expiresAt('dead'), undefined);
    // A node coming back under its id takes its lease back, whoever claimed it.
    await storage.nodeLeases.renew('alive', 1);
    assert.ok(await storage.nodeLeases.claim('alive', 'survivor-1', 5000, 35_000));
    await storage.nodeLeases.renew('alive', 50_000);
    await storage.nodeLeases.release('alive', 'survivor-1');
    assert.equal(await storage.nodeLeases.expiresAt('alive'), 50_000);
  });
}
