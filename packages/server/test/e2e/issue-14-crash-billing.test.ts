import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import {
  DURABILITY_STORAGES,
  deliveredTextBytes,
  fetchCompleteRecord,
  inflightCheckpoints,
  keyUsagePico,
  pollUntil,
  prepareDurabilityStorage,
  receivedId,
  startGatedUpstream,
  sumUsagePico,
} from '../helpers/durability.js';
import { prepareGatewayFiles, startGatewayProcess } from '../helpers/gateway-process.js';
import { openAIStreamEvents } from '../helpers/openai-fixtures.js';
import { defaultTestConfig } from '../helpers/start-test-gateway.js';
import { startClientRequest } from '../helpers/stream-client.js';

const STREAMS = 8;
/** Content chunks each stream relays before its upstream stalls (the issue saw 71–75). */
const CHUNKS_BEFORE_KILL = 80;
const LAST_BEFORE_KILL = 'last-before-kill';
/** Test prices: $0.000001 per prompt token, $0.000002 per completion token (pico-USD). */
const PROMPT_PICO = 1_000_000n;
const COMPLETION_PICO = 2_000_000n;

const promptOf = (index: number) => `stream-${index}${'x'.repeat(index * 7)}`;

/** The texts a stream relays before its upstream stalls: multi-byte, longer per prompt. */
function streamTexts(prompt: string): string[] {
  const texts = Array.from(
    { length: CHUNKS_BEFORE_KILL - 1 },
    (_, index) => `${prompt} wörd ${index} ✓ `,
  );
  return [...texts, LAST_BEFORE_KILL];
}

for (const storageKind of DURABILITY_STORAGES) {
  test(`a stream cut by kill -9 is billed for the text its client received up to the last checkpoint (${storageKind})`, async (t) => {
    await crashBilling(t, storageKind);
  });
}

async function crashBilling(
  t: TestContext,
  storageKind: (typeof DURABILITY_STORAGES)[number],
): Promise<void> {
  const { upstream, gate } = await startGatedUpstream(t);
  // Multi-byte text, different per stream: bytes, not characters, are checkpointed.
  upstream.route('/v1/chat/completions', (request) => {
    const content = (request.body as { messages: Array<{ content: string }> }).messages[0]?.content;
    return {
      kind: 'sse',
      events: openAIStreamEvents({ contents: [...streamTexts(content ?? ''), ' never sent'] }),
      gate: gate.opened,
      gateAfter: 1 + CHUNKS_BEFORE_KILL,
    };
  });
  const files = await prepareGatewayFiles(
    t,
    'tollgate-crash-billing-',
    defaultTestConfig(upstream.url),
  );
  const key = files.adminKey;
  const storage = await prepareDurabilityStorage(t, storageKind, files.dataDir);
  const env = { ...files.env, TOLLGATE_CHECKPOINT_INTERVAL_MS: '100', ...storage.env };
  const first = await startGatewayProcess(t, env);
  // One more stream from a key with a limit, asking for 5 tokens while its upstream streams on:
  // its hold bounds what it may be charged, after a crash too (the journal carries the cap).
  const created = await fetch(`${first.apiUrl}/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'limited', limit: 1 }),
  });
  assert.equal(created.status, 201);
  const limitedKey = ((await created.json()) as { key: string }).key;
  const streams = Array.from({ length: STREAMS + 1 }, (_, index) =>
    startClientRequest(first.apiUrl, '/chat/completions', index < STREAMS ? key : limitedKey, {
      model: 'test/model',
      messages: [{ role: 'user', content: promptOf(index) }],
      stream: true,
      ...(index < STREAMS ? {} : { max_tokens: 5 }),
    }),
  );
  await Promise.all(streams.map((stream) => stream.received(LAST_BEFORE_KILL)));

  // Every stream now waits on its upstream, all it will deliver before the kill delivered. Wait
  // (bounded) until the checkpoints have caught up with each — within one interval of a stream's
  // last chunk — reading the database directly, as an operator would.
  const expected = Array.from({ length: STREAMS + 1 }, (_, index) =>
    streamTexts(promptOf(index)).reduce((sum, text) => sum + Buffer.byteLength(text), 0),
  ).sort((a, b) => a - b);
  const database = storage.open();
  t.after(() => database.destroy());
  const settled = await pollUntil('checkpoints of every stream', async () => {
    const checkpoints = await inflightCheckpoints(database);
    const values = [...checkpoints.values()].map((bytes) => bytes ?? -1).sort((a, b) => a - b);
    return JSON.stringify(values) === JSON.stringify(expected) ? checkpoints : undefined;
  });

  assert.deepEqual(await first.kill('SIGKILL'), { code: null, signal: 'SIGKILL' });
  const outcomes = await Promise.all(streams.map((stream) => stream.outcome));
  const delivered = new Map<string, number>();
  let limitedId = '';
  for (const [index, outcome] of outcomes.entries()) {
    assert.equal(outcome.done, false, 'the kill cut the stream');
    const received = receivedId(outcome);
    assert.ok(received !== null);
    if (index === STREAMS) limitedId = received.id;
    else delivered.set(received.id, deliveredTextBytes(outcome.body));
  }
  // Checkpointed bytes are what the gateway wrote to the client: never more than it received,
  // and here (the stream idle for a checkpoint interval before the kill) exactly that.
  for (const [id, bytes] of delivered) {
    const checkpointed = settled.get(id);
    assert.ok(checkpointed !== undefined && checkpointed !== null, `${id} was checkpointed`);
    assert.ok(bytes > CHUNKS_BEFORE_KILL * 10, 'the client received many chunks of text');
    assert.equal(checkpointed, bytes, `${id}: checkpoint = bytes the client received`);
  }

  const second = await startGatewayProcess(t, env);
  const records = [];
  for (const [id, bytes] of delivered) {
    const record = await fetchCompleteRecord(second.apiUrl, key, id);
    const completionTokens = Math.ceil(bytes / 4);
    assert.equal(record.cancelled, true);
    assert.equal(record.finish_reason, null);
    assert.equal(record.native_tokens_completion, completionTokens, 'ceil(delivered bytes / 4)');
    assert.equal(record.tokens_completion, completionTokens);
    assert.equal(record['native_tokens_estimated'], true);
    assert.equal(record['tokens_estimated'], true);
    assert.ok(record.tokens_prompt !== null && record.tokens_prompt > 0);
    // Journaled while the upstream was called (status null), refreshed with a checkpoint once it
    // answered (decision 0047).
    assert.equal(record.provider_responses?.length, 1);
    assert.equal(record.provider_responses?.[0]?.status, 200);
    assert.equal(record.provider_responses?.[0]?.provider_name, 'Acme');
    assert.equal(
      sumUsagePico([record]),
      BigInt(record.tokens_prompt) * PROMPT_PICO + BigInt(completionTokens) * COMPLETION_PICO,
      'billed: the prompt and the delivered completion',
    );
    records.push(record);
  }
  assert.equal(await keyUsagePico(second.apiUrl, key), sumUsagePico(records), '/key = Σ records');

  // The limited stream delivered ~80 chunks for a 5-token request: recovered, it is charged its
  // hold's bound, not the delivered text, and the record says so.
  const limited = await fetchCompleteRecord(second.apiUrl, key, limitedId);
  assert.equal(limited.cancelled, true);
  assert.ok((limited.native_tokens_completion ?? 0) > 5, 'far more text than asked was delivered');
  assert.equal(limited['cost_capped'], true);
  const uncapped = limited['uncapped_cost'];
  assert.ok(typeof uncapped === 'number' && uncapped > limited.usage, 'charged less than produced');
  assert.equal(await keyUsagePico(second.apiUrl, limitedKey), sumUsagePico([limited]));
  assert.deepEqual(await second.kill('SIGTERM'), { code: 0, signal: null });
}
