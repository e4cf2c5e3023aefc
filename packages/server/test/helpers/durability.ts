import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { type GenerationRecord, GenerationRecordSchema } from '@tollgate/protocol';
import type { Kysely } from 'kysely';
import { usdNumberToPico } from '../../src/ledger/money.js';
import type { Database } from '../../src/storage/database.js';
import { createPostgresKysely, createPostgresPool } from '../../src/storage/dialects/postgres.js';
import { createSqliteKysely } from '../../src/storage/dialects/sqlite.js';
import { type FakeReply, type FakeUpstream, startFakeUpstream } from './fake-upstream.js';
import { createFreshPostgresDatabase } from './fresh-postgres-database.js';
import { createGate, type Gate } from './gate.js';
import { getGeneration } from './http.js';
import { openAIChatCompletion, openAIStreamEvents } from './openai-fixtures.js';
import type { ClientOutcome } from './stream-client.js';

/** The content of the chunk a held stream sends before it waits; clients wait to see it. */
export const HELD_MARKER = 'partial-output';

/**
 * Routes the fake upstream's chat endpoint by the request's message: `hold…` streams its role
 * chunk and {@link HELD_MARKER}, then waits for `gate`; `stream…` streams to the end at once;
 * `slow…` (non-stream) answers once `gate` settles; anything else answers JSON at once. `arrived`
 * is called for each chat request as it arrives. Legacy `/v1/completions` streams are all held.
 */
export function routeDurabilityUpstream(
  upstream: FakeUpstream,
  gate: Promise<void>,
  arrived: (content: string) => void = () => undefined,
): void {
  upstream.route('/v1/chat/completions', async (request): Promise<FakeReply> => {
    const body = request.body as { messages: Array<{ content: string }> };
    const content = body.messages[0]?.content ?? '';
    arrived(content);
    if (content.startsWith('hold')) {
      return {
        kind: 'sse',
        events: openAIStreamEvents({ contents: [HELD_MARKER, ' and the rest'] }),
        gate,
        gateAfter: 2,
      };
    }
    if (content.startsWith('stream')) {
      return { kind: 'sse', events: openAIStreamEvents({ contents: ['all', ' of it'] }) };
    }
    if (content.startsWith('slow')) await gate;
    return { kind: 'json', body: openAIChatCompletion({ content: 'done' }) };
  });
  // Legacy text completions: always held after HELD_MARKER.
  const textChunk = (text: string, finishReason: string | null) => ({
    id: 'cmpl-fixture0123456789',
    object: 'text_completion',
    created: 1_735_689_600,
    model: 'gpt-3.5-turbo-instruct',
    choices: [{ text, index: 0, logprobs: null, finish_reason: finishReason }],
  });
  upstream.route('/v1/completions', () => ({
    kind: 'sse',
    events: [
      textChunk(HELD_MARKER, null),
      textChunk(' more', null),
      textChunk('', 'stop'),
      '[DONE]',
    ],
    gate,
    gateAfter: 1,
  }));
}

/**
 * A fake upstream and a closed gate for its held replies. After the test the gate opens, then the
 * upstream closes, so nothing it held outlives the test.
 */
export async function startGatedUpstream(
  t: TestContext,
): Promise<{ upstream: FakeUpstream; gate: Gate }> {
  const upstream = await startFakeUpstream();
  const gate = createGate();
  t.after(async () => {
    gate.open();
    await upstream.close();
  });
  return { upstream, gate };
}

/** A generation id a client received, where it saw it, and what became of its request. */
export interface ReceivedId {
  id: string;
  outcome: ClientOutcome;
}

/**
 * Every generation id the client saw — `X-Generation-Id`, the JSON body's `id`, each SSE chunk's
 * `id` — checked to be one and the same per response.
 */
export function receivedId(outcome: ClientOutcome): ReceivedId | null {
  const ids = new Set<string>(outcome.bodyIds);
  if (outcome.headerId !== null) ids.add(outcome.headerId);
  assert.ok(ids.size <= 1, `one id per response, got ${[...ids].join(', ')}`);
  const [id] = ids;
  return id === undefined ? null : { id, outcome };
}

/** The keys every record must carry: the protocol schema's (OpenRouter's 45). */
export const RECORD_KEYS = Object.keys(GenerationRecordSchema.shape);

/** Fetches a record and checks it is complete: every key present, each typed per the schema. */
export async function fetchCompleteRecord(
  apiUrl: string,
  key: string,
  id: string,
): Promise<GenerationRecord & Record<string, unknown>> {
  const response = await getGeneration(apiUrl, key, id);
  assert.equal(response.status, 200, `record ${id} exists`);
  const data = ((await response.json()) as { data: Record<string, unknown> }).data;
  for (const name of RECORD_KEYS) assert.ok(name in data, `record ${id} has ${name}`);
  const parsed = GenerationRecordSchema.safeParse(data);
  assert.ok(parsed.success, `record ${id} matches the schema: ${parsed.error?.message}`);
  return { ...data, ...parsed.data };
}

/** Σ `usage` of records, in pico-USD (each record's USD number is exact to 12 decimals). */
export function sumUsagePico(records: ReadonlyArray<{ usage: number }>): bigint {
  return records.reduce((sum, record) => sum + usdNumberToPico(record.usage), 0n);
}

/** `GET /key`'s all-time `usage`, in pico-USD. */
export async function keyUsagePico(apiUrl: string, key: string): Promise<bigint> {
  const response = await fetch(`${apiUrl}/key`, { headers: { authorization: `Bearer ${key}` } });
  assert.equal(response.status, 200);
  const body = (await response.json()) as { data: { usage: number } };
  return usdNumberToPico(body.data.usage);
}

/** What storage holds after the gateway stopped: records, their Σ usage, and journal rows left. */
export async function inspectLedger(
  database: Kysely<Database>,
): Promise<{ generations: number; usagePico: bigint; inflight: number }> {
  const generations = await database
    .selectFrom('generations')
    .select((builder) => [
      builder.fn.countAll<number | bigint | string>().as('count'),
      builder.fn.sum<number | bigint | string | null>('usage_pico').as('usage'),
    ])
    .executeTakeFirstOrThrow();
  const inflight = await database
    .selectFrom('inflight_generations')
    .select((builder) => builder.fn.countAll<number | bigint | string>().as('count'))
    .executeTakeFirstOrThrow();
  return {
    generations: Number(generations.count),
    usagePico: generations.usage === null ? 0n : BigInt(generations.usage),
    inflight: Number(inflight.count),
  };
}

/** The storages the durability tests run on. */
export const DURABILITY_STORAGES = ['sqlite', 'postgres'] as const;

/** Where a spawned gateway keeps its state, and a way to look at it after it stopped. */
export interface DurabilityStorage {
  /** Environment of the gateway process (`DATABASE_URL` for PostgreSQL; SQLite uses the data dir). */
  env: Record<string, string>;
  /** Opens the database directly (destroy it after use). */
  open(): Kysely<Database>;
}

/**
 * SQLite: `tollgate.db` in `dataDir`. PostgreSQL: a fresh database on TEST_DATABASE_URL's server,
 * dropped after the test.
 */
export async function prepareDurabilityStorage(
  t: TestContext,
  kind: (typeof DURABILITY_STORAGES)[number],
  dataDir: string,
): Promise<DurabilityStorage> {
  if (kind === 'sqlite') {
    return { env: {}, open: () => createSqliteKysely({ path: join(dataDir, 'tollgate.db') }) };
  }
  const fresh = await createFreshPostgresDatabase();
  t.after(() => fresh.drop());
  return {
    env: { DATABASE_URL: fresh.url },
    open: () => createPostgresKysely(createPostgresPool({ url: fresh.url, poolSize: 1 })),
  };
}

/**
 * UTF-8 bytes of completion text a client received in a stream body: the `delta.content` (chat)
 * or `text` (legacy) of every whole SSE chunk; a chunk cut by a reset was not received.
 */
export function deliveredTextBytes(body: string): number {
  let bytes = 0;
  for (const block of body.split('\n\n')) {
    const payload = block.replace(/^data: ?/, '');
    if (!payload.startsWith('{')) continue;
    let chunk: { choices?: Array<{ delta?: { content?: unknown }; text?: unknown }> };
    try {
      chunk = JSON.parse(payload) as typeof chunk;
    } catch {
      continue;
    }
    for (const choice of chunk.choices ?? []) {
      const text = choice.delta?.content ?? choice.text;
      if (typeof text === 'string') bytes += Buffer.byteLength(text);
    }
  }
  return bytes;
}

/**
 * Polls `probe` until it returns a value, every 25 ms, for at most `timeoutMs`; then fails with
 * `what` and the last value seen. For state another process changes (no event to wait on).
 */
export async function pollUntil<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The in-flight rows storage holds: id → relayed bytes at the last checkpoint (null: none). */
export async function inflightCheckpoints(
  database: Kysely<Database>,
): Promise<Map<string, number | null>> {
  const rows = await database
    .selectFrom('inflight_generations')
    .select(['id', 'relayed_bytes'])
    .execute();
  return new Map(
    rows.map((row) => [row.id, row.relayed_bytes === null ? null : Number(row.relayed_bytes)]),
  );
}
