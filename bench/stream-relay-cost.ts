// Per-event CPU cost of relaying an OpenAI stream, the way main relayed it (eventsource-parser behind
// an async generator, a zod check per event, the chunk spread and stringified whole, an async write)
// against the lean way (docs/decisions/0029-lean-relay-and-hooks.md): a synchronous SSE splitter,
// a hand-written check, a chunk writer with a precomputed envelope, a synchronous write. Both run
// in the same process, interleaved round by round, over the fake upstream's events (a role chunk,
// --chunks content chunks, a finish chunk, a usage chunk, [DONE]), each event its own buffer.
//
//   node --import tsx bench/stream-relay-cost.ts [--chunks 20] [--streams 2000] [--rounds 9]
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { ChatChunkChoice } from '@tollgate/protocol';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
// zod 4, the server's (bench/node_modules holds a zod 3 of a peer gateway's).
import { z } from 'zod/v4';
import { mapFinishReason } from '../packages/server/src/providers/map-finish-reason.js';
import { OpenAIUsageSchema } from '../packages/server/src/providers/openai-compatible/openai-api-types.js';
import { openAICompatibleAdapter } from '../packages/server/src/providers/openai-compatible/openai-compatible-adapter.js';
import { toNativeUsage } from '../packages/server/src/providers/openai-compatible/to-native-usage.js';
import type {
  AdapterSettings,
  UpstreamChunk,
} from '../packages/server/src/providers/provider-adapter.js';
import { createChunkWriter } from '../packages/server/src/streaming/chunk-writer.js';
import { createSseDataSplitter } from '../packages/server/src/streaming/sse.js';
import { upstreamEvents } from './upstream-events.js';

const { values } = parseArgs({
  options: {
    chunks: { type: 'string', default: '20' },
    streams: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '9' },
  },
});
const CHUNKS = Number(values.chunks);
const STREAMS = Number(values.streams);
const ROUNDS = Number(values.rounds);

const SETTINGS: AdapterSettings = { providerName: 'OpenAI', apiKey: undefined, headers: undefined };
const ENVELOPE = {
  id: 'gen-1765090000-AbCdEfGhIjKlMnOpQrSt',
  provider: 'OpenAI',
  model: 'openai/gpt-4o-mini',
  object: 'chat.completion.chunk',
  created: 1765090000,
};

// ---- main's way (copied from packages/server at 0e933b4) ----

async function* oldReadSseData(body: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const pending: string[] = [];
  const parser = createParser({
    onEvent: (event: EventSourceMessage) => {
      pending.push(event.data);
    },
  });
  const decoder = new TextDecoder();
  for await (const bytes of body) {
    parser.feed(decoder.decode(bytes, { stream: true }));
    while (pending.length > 0) yield pending.shift() as string;
  }
  parser.feed(`${decoder.decode()}\n\n`);
  while (pending.length > 0) yield pending.shift() as string;
}

const OldChunkSchema = z.looseObject({
  id: z.string().nullish(),
  choices: z
    .array(
      z.looseObject({
        index: z.int().nonnegative().optional(),
        delta: z.looseObject({}).nullish(),
        finish_reason: z.string().nullish(),
        logprobs: z.unknown().optional(),
      }),
    )
    .nullish(),
  usage: OpenAIUsageSchema.nullish(),
  system_fingerprint: z.string().nullish(),
  service_tier: z.string().nullish(),
  error: z.unknown().optional(),
});

function oldParse(data: string): UpstreamChunk | 'done' | 'skip' {
  const trimmed = data.trim();
  if (trimmed === '[DONE]') return 'done';
  if (trimmed === '') return 'skip';
  const parsed = OldChunkSchema.safeParse(JSON.parse(trimmed));
  if (!parsed.success) throw new Error('not a chat completion chunk');
  const chunk = parsed.data;
  return {
    upstreamId: chunk.id ?? null,
    choices: (chunk.choices ?? []).map((choice, position): ChatChunkChoice => {
      const { finish_reason: nativeFinish, delta, logprobs, index, ...rest } = choice;
      return {
        ...rest,
        index: index ?? position,
        delta: delta ?? {},
        finish_reason: mapFinishReason(nativeFinish),
        native_finish_reason: nativeFinish ?? null,
        logprobs: logprobs ?? null,
      };
    }),
    usage: toNativeUsage(chunk.usage),
    systemFingerprint: chunk.system_fingerprint ?? null,
    serviceTier: chunk.service_tier ?? null,
  };
}

async function oldWrite(sink: { bytes: number }, payload: string): Promise<boolean> {
  sink.bytes += `data: ${payload}\n\n`.length;
  return true;
}

// ---- shared: what the relay reads of each choice (routes/chat-completions-stream.ts) ----

function deltaText(choice: ChatChunkChoice): string {
  const delta = choice.delta as { content?: unknown; reasoning?: unknown; tool_calls?: unknown };
  let text = '';
  if (typeof delta.content === 'string') text += delta.content;
  if (typeof delta.reasoning === 'string') text += delta.reasoning;
  if (delta.tool_calls !== undefined) text += JSON.stringify(delta.tool_calls);
  return text;
}

interface Absorbed {
  text: string;
  fingerprint: string | null;
}

function absorb(state: Absorbed, chunk: UpstreamChunk): void {
  state.fingerprint = chunk.systemFingerprint ?? state.fingerprint;
  for (const choice of chunk.choices) state.text += deltaText(choice);
}

async function* body(events: readonly Buffer[]): AsyncGenerator<Uint8Array> {
  for (const event of events) yield event;
}

async function relayOld(events: readonly Buffer[], sink: { bytes: number }): Promise<string> {
  const state: Absorbed = { text: '', fingerprint: null };
  for await (const data of oldReadSseData(body(events))) {
    const event = oldParse(data);
    if (event === 'done') break;
    if (event === 'skip') continue;
    absorb(state, event);
    if (event.choices.length === 0) continue;
    const envelope: Record<string, unknown> = { ...ENVELOPE };
    if (state.fingerprint !== null) envelope['system_fingerprint'] = state.fingerprint;
    if (!(await oldWrite(sink, JSON.stringify({ ...envelope, choices: event.choices })))) break;
  }
  return state.text;
}

// ---- the lean way ----

async function relayNew(events: readonly Buffer[], sink: { bytes: number }): Promise<string> {
  const state: Absorbed = { text: '', fingerprint: null };
  const parse = openAICompatibleAdapter.createStreamParser(SETTINGS);
  const writer = createChunkWriter(ENVELOPE);
  const splitter = createSseDataSplitter();
  let done = false;
  for await (const bytes of body(events)) {
    for (const data of splitter.feed(bytes)) {
      const event = parse(data);
      if (event === 'done') {
        done = true;
        break;
      }
      if (event === 'skip') continue;
      absorb(state, event);
      if (event.choices.length === 0) continue;
      sink.bytes += `data: ${writer.choices(event.choices, state.fingerprint)}\n\n`.length;
    }
    if (done) break;
  }
  return state.text;
}

// ---- stages alone (synchronous, over the same payloads) ----

const EVENTS = upstreamEvents(CHUNKS);
const PAYLOADS = EVENTS.map((event) => event.toString('utf8').slice(6, -2)).slice(0, -1);
const newParse = openAICompatibleAdapter.createStreamParser(SETTINGS);
const PARSED = PAYLOADS.map((payload) => newParse(payload) as UpstreamChunk);

function stageParse(parse: (data: string) => unknown): number {
  let count = 0;
  for (let stream = 0; stream < STREAMS; stream += 1) {
    for (const payload of PAYLOADS) if (parse(payload) !== 'skip') count += 1;
  }
  return count;
}

function stageSerialize(lean: boolean): number {
  let length = 0;
  for (let stream = 0; stream < STREAMS; stream += 1) {
    const writer = createChunkWriter(ENVELOPE);
    for (const chunk of PARSED) {
      if (lean) length += writer.choices(chunk.choices, 'fp_bench').length;
      else {
        const envelope: Record<string, unknown> = { ...ENVELOPE, system_fingerprint: 'fp_bench' };
        length += JSON.stringify({ ...envelope, choices: chunk.choices }).length;
      }
    }
  }
  return length;
}

async function stageRead(lean: boolean): Promise<number> {
  let count = 0;
  for (let stream = 0; stream < STREAMS; stream += 1) {
    if (lean) {
      const splitter = createSseDataSplitter();
      for await (const bytes of body(EVENTS)) count += splitter.feed(bytes).length;
      count += splitter.end().length;
    } else {
      for await (const _data of oldReadSseData(body(EVENTS))) count += 1;
    }
  }
  return count;
}

/** µs per event of one run of `work`. */
async function timed(work: () => unknown | Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return ((performance.now() - started) * 1000) / (STREAMS * EVENTS.length);
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

// The same text comes out both ways (a check that the two relays do the same work).
const sinkOld = { bytes: 0 };
const sinkNew = { bytes: 0 };
const [textOld, textNew] = [await relayOld(EVENTS, sinkOld), await relayNew(EVENTS, sinkNew)];
if (textOld !== textNew || sinkOld.bytes !== sinkNew.bytes) {
  throw new Error('the two relays disagree');
}

const cases: Record<string, [() => unknown, () => unknown]> = {
  'whole relay': [
    async () => {
      for (let stream = 0; stream < STREAMS; stream += 1) await relayOld(EVENTS, sinkOld);
    },
    async () => {
      for (let stream = 0; stream < STREAMS; stream += 1) await relayNew(EVENTS, sinkNew);
    },
  ],
  'SSE read': [() => stageRead(false), () => stageRead(true)],
  'parse + check': [() => stageParse(oldParse), () => stageParse(newParse)],
  serialize: [() => stageSerialize(false), () => stageSerialize(true)],
};
const samples = new Map<string, { old: number[]; lean: number[] }>();
for (const name of Object.keys(cases)) samples.set(name, { old: [], lean: [] });
// One warm-up round, then rounds of old and lean interleaved (the order alternates).
for (let round = -1; round < ROUNDS; round += 1) {
  for (const [name, [runOld, runLean]] of Object.entries(cases)) {
    const entry = samples.get(name) as { old: number[]; lean: number[] };
    const first = round % 2 === 0;
    const a = await timed(first ? runOld : runLean);
    const b = await timed(first ? runLean : runOld);
    if (round < 0) continue;
    entry.old.push(first ? a : b);
    entry.lean.push(first ? b : a);
  }
}
console.log(
  `${EVENTS.length} events per stream (${CHUNKS} content chunks), ${STREAMS} streams per sample, ` +
    `${ROUNDS} interleaved rounds, median µs per upstream event:`,
);
for (const [name, { old, lean }] of samples) {
  const before = median(old);
  const after = median(lean);
  console.log(
    `  ${name.padEnd(14)} main ${before.toFixed(2).padStart(6)}  lean ${after.toFixed(2).padStart(6)}  ` +
      `(${(before / after).toFixed(2)}× less)`,
  );
}
