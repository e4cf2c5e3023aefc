import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { parsePendingFacts } from '../../src/ledger/inflight-journal.js';
import {
  DURABILITY_STORAGES,
  fetchCompleteRecord,
  HELD_MARKER,
  inspectLedger,
  prepareDurabilityStorage,
  receivedId,
  startGatedUpstream,
  sumUsagePico,
} from '../helpers/durability.js';
import { type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.js';
import { createGate } from '../helpers/gate.js';
import { prepareGatewayFiles, startGatewayProcess } from '../helpers/gateway-process.js';
import { openStreamUntil, postJson } from '../helpers/http.js';
import { openAIStreamEvents } from '../helpers/openai-fixtures.js';
import { startTestGateway } from '../helpers/start-test-gateway.js';
import { startClientRequest } from '../helpers/stream-client.js';

// Decision 0047: a stream's journal row is written while the plan's first candidate is called,
// and made true of the candidate that answered before the generation id leaves.

/** Alpha (dear) first, Beta Cloud (cheap) second: Beta serves only as a fallback. */
function fallbackConfig(alphaUrl: string, betaUrl: string): unknown {
  return {
    providers: [
      { name: 'Alpha', kind: 'openai', base_url: `${alphaUrl}/v1`, api_key: 'sk-alpha-secret' },
      { name: 'Beta Cloud', kind: 'openai', base_url: `${betaUrl}/v1`, api_key: 'sk-beta-secret' },
    ],
    models: [
      {
        id: 'test/multi',
        endpoints: [
          { provider: 'Alpha', model: 'alpha-1', pricing: { prompt: '0.00001', completion: '0' } },
          {
            provider: 'Beta Cloud',
            model: 'beta-1',
            pricing: { prompt: '0.000001', completion: '0.000002' },
          },
        ],
      },
    ],
  };
}

/** Alpha answers 503 (retryable: the plan falls back). */
function failRetryably(upstream: FakeUpstream): void {
  upstream.route('/v1/chat/completions', {
    kind: 'json',
    status: 503,
    body: { error: { message: 'unavailable' } },
  });
}

/** Beta streams the role chunk and HELD_MARKER, then holds the stream open until `gate`. */
function holdAfterMarker(upstream: FakeUpstream, gate: Promise<void>): void {
  upstream.route('/v1/chat/completions', {
    kind: 'sse',
    events: openAIStreamEvents({ contents: [HELD_MARKER, ' and the rest'] }),
    gate,
    gateAfter: 2,
  });
}

const holdBody = {
  model: 'test/multi',
  messages: [{ role: 'user', content: 'hold' }],
  stream: true,
};

test('a fallback stream: its journal row names the endpoint that answered, with its prices, before the first chunk reaches the client', async (t) => {
  const beta = await startFakeUpstream();
  const gate = createGate();
  const harness = await startTestGateway({ config: (url) => fallbackConfig(url, beta.url) });
  t.after(async () => {
    gate.open();
    await harness.close();
    await beta.close();
  });
  failRetryably(harness.upstream);
  holdAfterMarker(beta, gate.opened);

  const stream = await openStreamUntil(harness.apiUrl, harness.key, holdBody, HELD_MARKER);
  // The upstream holds the stream open: the row is the journal's, not yet the record's.
  const row = await harness.gateway.context.storage.inflight.get(stream.generationId);
  assert.ok(row !== undefined, 'the exposed stream is journaled');
  const facts = parsePendingFacts(row);
  assert.equal(facts.providerName, 'Beta Cloud');
  assert.equal(facts.prices.prompt, 1_000_000n, "Beta's prompt price, not Alpha's");
  assert.equal(facts.prices.completion, 2_000_000n);
  assert.deepEqual(
    facts.providerResponses.map((attempt) => [attempt.provider_name, attempt.status]),
    [
      ['Alpha', 503],
      ['Beta Cloud', 200],
    ],
  );

  gate.open();
  stream.abandon();
  const record = await fetchCompleteRecord(harness.apiUrl, harness.key, stream.generationId);
  assert.equal(record.provider_name, 'Beta Cloud');
  assert.equal(await harness.gateway.context.storage.inflight.get(stream.generationId), undefined);
});

test('a stream whose every candidate fails leaves exactly one record and no journal row', async (t) => {
  const beta = await startFakeUpstream();
  const harness = await startTestGateway({ config: (url) => fallbackConfig(url, beta.url) });
  t.after(async () => {
    await harness.close();
    await beta.close();
  });
  failRetryably(harness.upstream);
  failRetryably(beta);
  const { storage, journal } = harness.gateway.context;

  /** One failed stream: its record, and no journal row left for it. */
  const failOnce = async (round: number) => {
    const response = await postJson(harness.apiUrl, '/chat/completions', harness.key, holdBody);
    const body = (await response.json()) as { error: { code: number } };
    assert.equal(response.status, body.error.code);
    assert.ok(response.status >= 500, `round ${round}: ${response.status}`);
    const id = response.headers.get('x-generation-id');
    assert.ok(id !== null, 'the failed generation has an id');
    const record = await fetchCompleteRecord(harness.apiUrl, harness.key, id);
    assert.equal(record.finish_reason, 'error');
    assert.deepEqual(
      record.provider_responses?.map((attempt) => attempt.status),
      [503, 503],
    );
    // The row journaled while Alpha was called was committed before the failure record, whose
    // transaction deleted it: none is left for recovery to turn into a second record.
    assert.equal(await storage.inflight.get(id), undefined, `round ${round}: no journal row`);
  };
  // Many at once: journal rows queue behind a batch being synced while failure records commit.
  for (let round = 0; round < 5; round += 1) {
    await Promise.all(Array.from({ length: 20 }, () => failOnce(round)));
  }
  await journal.flush();
  assert.deepEqual(await storage.inflight.listByNode(journal.nodeId), []);
});

for (const storageKind of DURABILITY_STORAGES) {
  test(`kill -9 after the first chunk of a fallback stream: recovered at Beta's prices, both attempts listed (${storageKind})`, async (t) => {
    await killFallbackStream(t, storageKind);
  });
}

async function killFallbackStream(
  t: TestContext,
  storageKind: (typeof DURABILITY_STORAGES)[number],
): Promise<void> {
  const { upstream: alpha } = await startGatedUpstream(t);
  const { upstream: beta, gate } = await startGatedUpstream(t);
  failRetryably(alpha);
  holdAfterMarker(beta, gate.opened);
  const files = await prepareGatewayFiles(
    t,
    'tollgate-kill-fallback-',
    fallbackConfig(alpha.url, beta.url),
  );
  const key = files.adminKey;
  const storage = await prepareDurabilityStorage(t, storageKind, files.dataDir);
  // Checkpoints off: nothing but the journal writes awaited before the id left is on disk.
  const env = { ...files.env, TOLLGATE_CHECKPOINT_INTERVAL_MS: '0', ...storage.env };
  const first = await startGatewayProcess(t, env);
  const held = startClientRequest(first.apiUrl, '/chat/completions', key, holdBody);
  await held.received(HELD_MARKER);

  assert.deepEqual(await first.kill('SIGKILL'), { code: null, signal: 'SIGKILL' });
  const outcome = await held.outcome;
  assert.equal(outcome.done, false, 'the kill cut the stream');
  const received = receivedId(outcome);
  assert.ok(received !== null);

  const second = await startGatewayProcess(t, env);
  const record = await fetchCompleteRecord(second.apiUrl, key, received.id);
  assert.equal(record.cancelled, true);
  assert.equal(record.provider_name, 'Beta Cloud');
  assert.deepEqual(
    record.provider_responses?.map((attempt) => [attempt.provider_name, attempt.status]),
    [
      ['Alpha', 503],
      ['Beta Cloud', 200],
    ],
  );
  assert.ok(record.tokens_prompt !== null && record.tokens_prompt > 0);
  // Billed the prompt at Beta's price ($0.000001 a token), not Alpha's ten times dearer one.
  assert.equal(sumUsagePico([record]), BigInt(record.tokens_prompt) * 1_000_000n);
  assert.deepEqual(await second.kill('SIGTERM'), { code: 0, signal: null });

  const database = storage.open();
  try {
    assert.equal((await inspectLedger(database)).inflight, 0, 'no journal row is left');
  } finally {
    await database.destroy();
  }
}
