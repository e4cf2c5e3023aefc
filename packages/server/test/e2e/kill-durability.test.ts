import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { DURABILITY_LEVELS, type Durability } from '../../src/config/durability.js';
import {
  DURABILITY_STORAGES,
  fetchCompleteRecord,
  HELD_MARKER,
  inspectLedger,
  keyUsagePico,
  prepareDurabilityStorage,
  type ReceivedId,
  receivedId,
  routeDurabilityUpstream,
  startGatedUpstream,
  sumUsagePico,
} from '../helpers/durability.js';
import { prepareGatewayFiles, startGatewayProcess } from '../helpers/gateway-process.js';
import { defaultTestConfig } from '../helpers/start-test-gateway.js';
import { startClientRequest } from '../helpers/stream-client.js';

/** Streams cut mid-flight by the kill, streams finished before it, non-stream requests. */
const HELD_CHAT_STREAMS = 20;
const HELD_TEXT_STREAMS = 4;
const HELD_STREAMS = HELD_CHAT_STREAMS + HELD_TEXT_STREAMS;
const FINISHED_STREAMS = 6;
const JSON_REQUESTS = 10;

/** Test prompt price: $0.000001 per token = 1,000,000 pico-USD. */
const PROMPT_PICO_PER_TOKEN = 1_000_000n;

for (const storageKind of DURABILITY_STORAGES) {
  for (const durability of DURABILITY_LEVELS) {
    test(`kill -9 mid-stream loses no generation a client saw: recovered at restart, ledger reconciles (${storageKind}, durability ${durability})`, async (t) => {
      await killMidStream(t, storageKind, durability);
    });
  }
}

async function killMidStream(
  t: TestContext,
  storageKind: (typeof DURABILITY_STORAGES)[number],
  durability: Durability,
): Promise<void> {
  const { upstream, gate } = await startGatedUpstream(t);
  routeDurabilityUpstream(upstream, gate.opened);
  const files = await prepareGatewayFiles(t, 'tollgate-kill-', defaultTestConfig(upstream.url));
  const key = files.adminKey;
  const storage = await prepareDurabilityStorage(t, storageKind, files.dataDir);
  const env = {
    ...files.env,
    TOLLGATE_DURABILITY: durability,
    // Checkpoints off: this test pins the record of a stream with none (billed for the prompt);
    // issue-14-crash-billing.test.ts covers checkpointed streams.
    TOLLGATE_CHECKPOINT_INTERVAL_MS: '0',
    ...storage.env,
  };
  const first = await startGatewayProcess(t, env);

  const chat = (content: string, stream: boolean) =>
    startClientRequest(first.apiUrl, '/chat/completions', key, {
      model: 'test/model',
      messages: [{ role: 'user', content }],
      stream,
    });
  const held = [
    ...Array.from({ length: HELD_CHAT_STREAMS }, (_, index) =>
      chat(`hold ${index} ${'word '.repeat(index)}`, true),
    ),
    ...Array.from({ length: HELD_TEXT_STREAMS }, (_, index) =>
      startClientRequest(first.apiUrl, '/completions', key, {
        model: 'test/model',
        prompt: `Once upon a time ${index}`,
        stream: true,
      }),
    ),
  ];
  const finished = [
    ...Array.from({ length: FINISHED_STREAMS }, (_, index) => chat(`stream ${index}`, true)),
    ...Array.from({ length: JSON_REQUESTS }, (_, index) => chat(`json ${index}`, false)),
  ];
  // Every held stream has sent its id (header and chunks) and part of its text; the others ended.
  await Promise.all(held.map((request) => request.received(HELD_MARKER)));
  const finishedOutcomes = await Promise.all(finished.map((request) => request.outcome));
  for (const outcome of finishedOutcomes) {
    assert.equal(outcome.status, 200);
    assert.ok(outcome.complete);
  }

  assert.deepEqual(await first.kill('SIGKILL'), { code: null, signal: 'SIGKILL' });
  const heldOutcomes = await Promise.all(held.map((request) => request.outcome));
  for (const outcome of heldOutcomes) {
    assert.equal(outcome.status, 200);
    assert.equal(outcome.done, false, 'a held stream was cut by the kill');
    assert.ok(outcome.body.includes(HELD_MARKER));
  }
  const heldIds = heldOutcomes.map(receivedId).filter((id): id is ReceivedId => id !== null);
  const finishedIds = finishedOutcomes
    .map(receivedId)
    .filter((id): id is ReceivedId => id !== null);
  assert.equal(heldIds.length, HELD_STREAMS, 'every held stream exposed its id');
  assert.equal(finishedIds.length, FINISHED_STREAMS + JSON_REQUESTS);

  // Restart on the same data: the journal rows of the cut streams become records.
  const second = await startGatewayProcess(t, env);
  const records = [];
  for (const { id } of finishedIds) {
    const record = await fetchCompleteRecord(second.apiUrl, key, id);
    assert.equal(record.cancelled, false);
    records.push(record);
  }
  for (const { id } of heldIds) {
    const record = await fetchCompleteRecord(second.apiUrl, key, id);
    assert.equal(record.streamed, true);
    assert.equal(record.cancelled, true);
    assert.equal(record.finish_reason, null);
    assert.equal(record.provider_name, 'Acme');
    assert.equal(record.model, 'test/model');
    assert.equal(record.tokens_completion, null, 'the produced text is unknown');
    assert.equal(record.native_tokens_completion, 0);
    assert.equal(record['native_tokens_estimated'], true);
    assert.ok(record.tokens_prompt !== null && record.tokens_prompt > 0);
    assert.equal(record.native_tokens_prompt, record.tokens_prompt);
    // Billed: the prompt as counted at request time, at the endpoint's prompt price.
    assert.equal(record['cost_status'], 'priced');
    assert.equal(sumUsagePico([record]), BigInt(record.tokens_prompt) * PROMPT_PICO_PER_TOKEN);
    assert.equal(record.provider_responses?.length, 1);
    // Journaled while the upstream was being called, and (checkpoints off) never refreshed: the
    // attempt is in flight as journaled — status unknown, never a made-up one (decision 0047).
    assert.equal(record.provider_responses?.[0]?.status, null);
    assert.equal(record.provider_responses?.[0]?.provider_name, 'Acme');
    records.push(record);
  }
  const recordsUsage = sumUsagePico(records);
  assert.equal(await keyUsagePico(second.apiUrl, key), recordsUsage, 'GET /key = Σ records');

  // Recovery ran once: rerunning it (a crash during or after it) is covered in
  // test/unit/recover-inflight.test.ts. Stop cleanly and look at storage itself.
  assert.deepEqual(await second.kill('SIGTERM'), { code: 0, signal: null });

  const database = storage.open();
  try {
    const ledger = await inspectLedger(database);
    assert.equal(ledger.inflight, 0, 'no journal row is left');
    assert.equal(ledger.generations, HELD_STREAMS + FINISHED_STREAMS + JSON_REQUESTS);
    assert.equal(ledger.usagePico, recordsUsage);
  } finally {
    await database.destroy();
  }
}
