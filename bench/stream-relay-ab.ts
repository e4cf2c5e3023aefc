// CPU per stream of the real stream relay (generation/stream-relay.ts: relayStream with the chat
// codec and the OpenAI-compatible parser) in two or more builds, in one process, interleaved round
// by round. Everything around the relay is a stand-in that costs the same in every build: the
// upstream body is the fake upstream's events (bench/fake-upstream.ts: a role chunk, --chunks
// content chunks, a finish chunk, a usage chunk, [DONE]), one buffer per read; the sink flattens
// each event as a socket write would (no socket); the meter's record is a constant; the in-flight
// journal is the real one over a store that does nothing. So the figure is what the relay itself
// costs per stream: SSE split, parse and check, absorb, serialize, journal checkpoints, the usage
// chunk, the promise steps of the read loop.
//
//   node --import tsx bench/stream-relay-ab.ts --build base=<a build's dist directory> \
//     --build new=packages/server/dist [--chunks 20] [--streams 2000] [--rounds 9] [--obfuscation]
// --obfuscation: every chunk carries a field that changes from chunk to chunk (as OpenAI's
// `obfuscation` padding), so no two content chunks share their text around the content.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { upstreamEvents } from './upstream-events.js';

const { values } = parseArgs({
  options: {
    build: { type: 'string', multiple: true },
    chunks: { type: 'string', default: '20' },
    streams: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '9' },
    obfuscation: { type: 'boolean', default: false },
  },
});
const CHUNKS = Number(values.chunks);
const STREAMS = Number(values.streams);
const ROUNDS = Number(values.rounds);

const EVENTS = upstreamEvents(CHUNKS, values.obfuscation);
const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/** An upstream body over `EVENTS`: one event per read, as the fake upstream sends them apart. */
function upstreamBody() {
  let next = 0;
  const body = {
    buffered: 0,
    paused: false,
    [Symbol.asyncIterator]: () => body,
    next: (): Promise<IteratorResult<Buffer>> => {
      const value = EVENTS[next];
      next += 1;
      return Promise.resolve(value === undefined ? DONE : { done: false, value });
    },
    return: () => Promise.resolve(DONE),
    destroy: () => undefined,
    json: () => Promise.reject(new Error('not read whole')),
    text: () => Promise.reject(new Error('not read whole')),
  };
  return body;
}

interface Build {
  name: string;
  // biome-ignore lint/suspicious/noExplicitAny: each build's own module, loaded at run time
  relayStream: (...args: any[]) => Promise<void>;
  // biome-ignore lint/suspicious/noExplicitAny: idem
  codec: any;
  // biome-ignore lint/suspicious/noExplicitAny: idem
  adapter: any;
  // biome-ignore lint/suspicious/noExplicitAny: idem
  CancelSignal: new () => any;
  // biome-ignore lint/suspicious/noExplicitAny: idem
  journal: any;
}

async function load(spec: string): Promise<Build> {
  const [name, directory] = spec.split('=', 2);
  if (name === undefined || directory === undefined) throw new Error(`--build name=dir: ${spec}`);
  const module = (path: string) => import(pathToFileURL(resolve(directory, path)).href);
  const [relay, chat, adapter, cancel, journal] = await Promise.all([
    module('generation/stream-relay.js'),
    module('generation/apis/chat.js'),
    module('providers/openai-compatible/openai-compatible-adapter.js'),
    module('providers/cancel-signal.js'),
    module('ledger/inflight-journal.js'),
  ]);
  const store = {
    insertMany: async () => undefined,
    upsertMany: async () => undefined,
    checkpoint: async () => undefined,
  };
  return {
    name,
    relayStream: relay.relayStream,
    codec: chat.CHAT_API.streamOf({ stream: true }),
    adapter: adapter.openAICompatibleAdapter,
    CancelSignal: cancel.CancelSignal,
    journal: new journal.InflightJournal(store, 'bench-node'),
  };
}

const BUILDS = await Promise.all((values.build ?? []).map(load));
if (BUILDS.length === 0) throw new Error('at least one --build name=<dist directory>');

const FINISHED = {
  usage: { prompt_tokens: 48, completion_tokens: CHUNKS, total_tokens: 48 + CHUNKS, cost: 0.0001 },
  record: {
    latency: 1,
    generation_time: 10,
    native_tokens_completion: CHUNKS,
    api_type: 'completions',
  },
  row: {},
};
const SETTINGS = { providerName: 'OpenAI', apiKey: undefined, headers: undefined };

let sequence = 0;
let written = 0;

/** Relays one stream through `build`; returns the bytes the client would have been sent. */
async function relayOne(build: Build): Promise<number> {
  sequence += 1;
  const id = `gen-1765090000-bench${sequence}`;
  let bytes = 0;
  const sink = {
    gone: new build.CancelSignal(),
    destroyed: false,
    exposeId: () => undefined,
    json: () => undefined,
    openStream: () => undefined,
    event: (data: string) => {
      // What a socket write costs of the string: a flat copy and its UTF-8 length.
      bytes += Buffer.byteLength(`data: ${data}\n\n`);
      return true;
    },
    end: (final?: string) => {
      if (final !== undefined) bytes += final.length;
    },
    destroy: () => undefined,
  };
  const facts = { id, keyHash: 'bench', createdAtMs: 1765090000000, prices: {} };
  const meter = {
    id,
    created: 1765090000,
    storesContent: false,
    firstToken: () => undefined,
    pending: async () => facts,
    // Builds that journal during dispatch (decision 0047).
    pendingAttempt: async () => facts,
    journaling: () => undefined,
    finish: async () => FINISHED,
  };
  const endpoint = {
    id: 'bench-endpoint',
    provider: { name: 'OpenAI', settings: SETTINGS, adapter: build.adapter },
  };
  const deps = {
    journal: build.journal,
    endpointStats: { recordSuccess: () => undefined },
    logger: { error: () => undefined },
  };
  const candidate = { model: { id: 'openai/gpt-4o-mini' }, endpoint };
  const dispatch = async () => ({
    response: { statusCode: 200, headers: {}, body: upstreamBody() },
    candidate,
  });
  // Builds since decision 0047 take the plan's first candidate before the dispatch.
  await (build.relayStream.length >= 6
    ? build.relayStream(deps, meter, sink, build.codec, candidate, dispatch)
    : build.relayStream(deps, meter, sink, build.codec, dispatch));
  return bytes;
}

/** CPU µs (user + system) per stream of `STREAMS` streams through `build`. */
async function sample(build: Build): Promise<number> {
  const started = process.cpuUsage();
  for (let stream = 0; stream < STREAMS; stream += 1) written += await relayOne(build);
  const used = process.cpuUsage(started);
  return (used.user + used.system) / STREAMS;
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

// Every build must send the client the same bytes.
const lengths = await Promise.all(BUILDS.map(relayOne));
if (new Set(lengths).size !== 1)
  throw new Error(`the builds disagree: ${lengths.join(', ')} bytes`);

const samples = new Map<string, number[]>(BUILDS.map(({ name }) => [name, []]));
// One warm-up round, then rounds with the order rotating.
for (let round = -1; round < ROUNDS; round += 1) {
  for (let index = 0; index < BUILDS.length; index += 1) {
    const build = BUILDS[(index + Math.max(round, 0)) % BUILDS.length] as Build;
    const micros = await sample(build);
    if (round >= 0) samples.get(build.name)?.push(micros);
  }
}
console.log(
  `${EVENTS.length} upstream events per stream (${CHUNKS} content chunks), ${STREAMS} streams ` +
    `per sample, ${ROUNDS} rounds; CPU µs per stream (median, and per upstream event):`,
);
for (const [name, micros] of samples) {
  const perStream = median(micros);
  console.log(
    `  ${name.padEnd(10)} ${perStream.toFixed(1).padStart(7)} µs  ` +
      `(${(perStream / EVENTS.length).toFixed(2)} µs per event; samples ${micros.map((m) => m.toFixed(0)).join(' ')})`,
  );
}
if (written === 0) throw new Error('nothing relayed');
