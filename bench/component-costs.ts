// Per-component cost of the request path: each piece that can be isolated, timed in-process in a
// tight loop, in µs per operation (median of several timed rounds after a warm-up).
//
//   node --import tsx bench/component-costs.ts [--rounds N] [--ms N] [--json] [--server DIR]
//     [--only TEXT]
//
// --only TEXT runs only the rows whose component name contains TEXT (e.g. `--only meter`).
// --server DIR measures another checkout's server (its packages/server directory), e.g. main's
// before a change: `--server /path/to/main/packages/server`. Default: this tree's.
//
// It is run before and after a change (on main, then on the merge), so it imports only the
// server's stable functions, each looked up by name at run time from the first of a few paths
// under packages/server/src (dist as a fallback): a row whose function is missing or whose
// arguments no longer fit prints "n/a" with the reason, and the other rows still run.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from './stats.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '7' },
    ms: { type: 'string', default: '200' },
    json: { type: 'boolean', default: false },
    server: { type: 'string' },
    only: { type: 'string' },
  },
});
const ROUNDS = Number(values.rounds);
const ROUND_MS = Number(values.ms);
const serverRoot = resolve(
  values.server ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'packages', 'server'),
);

type Module = Record<string, unknown>;
type AnyFunction = (...args: never[]) => unknown;

/** The first of `paths` (relative to packages/server/src, or dist with .js) that loads. */
async function load(paths: readonly string[]): Promise<Module> {
  const tried: string[] = [];
  for (const path of paths) {
    for (const file of [
      join(serverRoot, 'src', `${path}.ts`),
      join(serverRoot, 'dist', `${path}.js`),
    ]) {
      if (!existsSync(file)) continue;
      tried.push(file);
      try {
        return (await import(pathToFileURL(file).href)) as Module;
      } catch {}
    }
  }
  throw new Error(`none of ${paths.join(', ')} loads${tried.length > 0 ? '' : ' (missing)'}`);
}

/** `name` exported by the first module of `paths` that has it, as a function. */
async function fn<F = AnyFunction>(paths: readonly string[], name: string): Promise<F> {
  const found = (await load(paths))[name];
  if (typeof found !== 'function') throw new Error(`${name} is not exported by ${paths[0]}`);
  return found as F;
}

/** A package the server depends on, resolved from the server's own directory. */
async function loadPackage(specifier: string): Promise<Module> {
  const require = createRequire(join(serverRoot, 'package.json'));
  return (await import(pathToFileURL(require.resolve(specifier)).href)) as Module;
}

/** µs per call of `operation`: median over rounds of ROUND_MS each, after one round of warm-up. */
async function time(operation: () => unknown): Promise<number> {
  const perRound: number[] = [];
  for (let round = 0; round <= ROUNDS; round += 1) {
    let calls = 0;
    const started = performance.now();
    const deadline = started + ROUND_MS;
    let now = started;
    while (now < deadline) {
      for (let batch = 0; batch < 16; batch += 1) {
        const result = operation();
        if (result instanceof Promise) await result;
      }
      calls += 16;
      now = performance.now();
    }
    if (round > 0) perRound.push(((now - started) * 1000) / calls);
  }
  return median(perRound);
}

/** One line of the table. */
interface Row {
  component: string;
  /** µs per operation, or null when the row could not run here. */
  microseconds: number | null;
  how: string;
  error?: string;
}

const PROMPT =
  'You are a careful assistant. Summarize in one short sentence why a metering gateway must ' +
  'record the usage of every generation exactly once, even when the client disconnects early.';
const REQUEST_BODY = JSON.stringify({
  model: 'bench/model',
  messages: [{ role: 'user', content: PROMPT }],
  stream: true,
});
const CHUNK = JSON.stringify({
  id: 'chatcmpl-bench',
  provider: 'Bench',
  object: 'chat.completion.chunk',
  created: 1_795_000_000,
  model: 'bench-1',
  choices: [{ index: 0, delta: { content: ' token' }, finish_reason: null }],
});
const SMALL_TEXT = `${PROMPT.slice(0, 100)} ${PROMPT.slice(0, 100)}`;
/** 20 KB of varied words (deterministic): one long message of a resent chat history. */
const LONG_TEXT = (() => {
  let state = 1;
  const words: string[] = [];
  for (let length = 0; length < 20_480; ) {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    const word = PROMPT.slice(state % 150, (state % 150) + 2 + (state % 9)).trim() || 'a';
    words.push(state % 13 === 0 ? `${word}.\n` : word);
    length += word.length + 1;
  }
  return words.join(' ').slice(0, 20_480);
})();

interface BenchTokenCounter {
  ready(): Promise<void>;
  countText(text: string): Promise<unknown>;
  close(): Promise<void>;
}

/** µs per awaited `countText(text)` of a fresh counter built with `options`, once warm. */
async function timeCountText(text: string, options: Record<string, unknown>): Promise<number> {
  const createTokenCounter = await fn<(options: Record<string, unknown>) => BenchTokenCounter>(
    ['ledger/count-tokens'],
    'createTokenCounter',
  );
  const counter = createTokenCounter(options);
  try {
    await counter.ready();
    await counter.countText(text);
    return await time(() => counter.countText(text));
  } finally {
    await counter.close();
  }
}

/** A finished generation's facts, as the request path has them (see ledger/generation-record.ts). */
function factsFor(id: string, prices: unknown): Record<string, unknown> {
  return {
    id,
    requestId: `req-${id}`,
    keyHash: 'a'.repeat(64),
    workspaceId: 'default',
    createdAtMs: Date.now(),
    model: 'bench/model',
    providerName: 'Bench',
    upstreamId: 'chatcmpl-bench',
    apiType: 'completions',
    streamed: false,
    cancelled: false,
    byokFeePpm: null,
    latencyMs: 2,
    generationTimeMs: 3,
    finishReason: 'stop',
    nativeFinishReason: 'stop',
    nativeUsage: {
      promptTokens: 45,
      completionTokens: 61,
      cachedTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
      completionImageTokens: 0,
      audioPromptTokens: 0,
      reportedCostUsd: null,
    },
    normalizedPromptTokens: 45,
    normalizedCompletionTokens: 61,
    normalizedEstimated: false,
    numMediaPrompt: 0,
    numPromptImages: 0,
    numInputAudioPrompt: 0,
    numMediaCompletion: 0,
    httpReferer: null,
    userAgent: 'bench',
    externalUser: null,
    sessionId: null,
    serviceTier: null,
    dataRegion: 'global',
    providerResponses: [
      {
        status: 200,
        id: 'chatcmpl-bench',
        endpoint_id: 'Bench/bench-1',
        model_permaslug: 'bench/model',
        provider_name: 'Bench',
        latency: 2,
        is_byok: false,
      },
    ],
    prices,
    priceVersion: 'config:bench',
    chargeCap: null,
  };
}

type Finish = (facts: unknown) => { row: Record<string, unknown>; record: unknown };

const PRICING = { prompt: '0.000001', completion: '0.000002' };

async function pricesOf(): Promise<unknown> {
  const parsePricing = await fn<(pricing: unknown) => unknown>(
    ['ledger/cost-engine'],
    'parsePricing',
  );
  return parsePricing(PRICING);
}

let sequence = 0;
/**
 * The server's own ids when it has createGenerationId (they decide where rows land in every index
 * keyed by id), else random ones in the same form.
 */
const createGenerationId = await fn<(nowMs: number) => string>(
  ['ledger/ids'],
  'createGenerationId',
).catch(() => null);
const nextId = () =>
  createGenerationId !== null
    ? createGenerationId(Date.now())
    : `gen-1795000000-${randomBytes(6).toString('hex')}${String(sequence++).padStart(8, '0')}`;

interface Storage {
  generations: {
    insertMany(rows: readonly unknown[]): Promise<void>;
    get(id: string): Promise<unknown>;
  };
  apiKeys: { get(hash: string): Promise<unknown> };
  close(): Promise<void>;
}

async function withStorage<T>(
  durability: 'power' | 'process',
  use: (storage: Storage, directory: string) => Promise<T>,
): Promise<T> {
  const createStorage = await fn<(config: unknown) => Promise<Storage>>(
    ['storage/create-storage'],
    'createStorage',
  );
  const directory = mkdtempSync(join(tmpdir(), 'tollgate-components-'));
  const storage = await createStorage({
    kind: 'sqlite',
    path: join(directory, 'tollgate.db'),
    durability,
  });
  try {
    return await use(storage, directory);
  } finally {
    await storage.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

/** Every component: its name, how it is measured, and the measurement (µs per operation). */
const COMPONENTS: Array<{ component: string; how: string; measure: () => Promise<number> }> = [
  {
    component: 'request body: JSON.parse + zod (ChatCompletionRequestSchema)',
    how: '~200-char prompt, stream: true',
    async measure() {
      const protocol = await loadPackage('@tollgate/protocol');
      const schema = protocol['ChatCompletionRequestSchema'] as {
        parse(value: unknown): unknown;
      };
      return time(() => schema.parse(JSON.parse(REQUEST_BODY)));
    },
  },
  {
    component: 'cost: computeCost (integer pico-USD)',
    how: '45 prompt + 61 completion tokens at prompt/completion prices',
    async measure() {
      const computeCost = await fn<(usage: unknown, prices: unknown, finish: string) => unknown>(
        ['ledger/cost-engine'],
        'computeCost',
      );
      const prices = await pricesOf();
      const usage = {
        promptTokens: 45,
        completionTokens: 61,
        cachedTokens: 0,
        cacheWriteTokens: 0,
        reasoningTokens: 0,
        promptImages: 0,
        webSearchResults: 0,
        audioTokens: 0,
      };
      return time(() => computeCost(usage, prices, 'stop'));
    },
  },
  {
    component: 'record: finishGeneration + JSON.stringify(record)',
    how: 'the row, the wire record and usage of a non-stream generation',
    async measure() {
      const finish = await fn<Finish>(['ledger/generation-record'], 'finishGeneration');
      const facts = factsFor(nextId(), await pricesOf());
      return time(() => JSON.stringify(finish(facts).record));
    },
  },
  {
    component: 'meter: ids, one attempt, finish (facts + finishGeneration + commit)',
    how: 'GenerationMeter of a non-stream chat generation; counts and the commit answered at once',
    async measure() {
      const meters = await load(['ledger/generation-meter']);
      const Meter = meters['GenerationMeter'] as new (
        init: unknown,
        ledger: unknown,
      ) => {
        dispatched(): void;
        attempted(candidate: unknown, status: number | null, upstreamId: string | null): void;
        firstToken(): void;
        finish(outcome: unknown): Promise<unknown>;
      };
      if (typeof Meter !== 'function') throw new Error('GenerationMeter missing');
      const prices = await pricesOf();
      const endpoint = {
        id: 'Bench/bench-1',
        provider: { name: 'Bench' },
        prices,
        priceVersion: 'config:bench',
        byok: null,
      };
      const candidate = { model: { id: 'bench/model' }, endpoint };
      const counted = (tokens: number) => Promise.resolve({ tokens, estimated: false });
      // The meter's ledger, injected: token counts known, the commit durable at once.
      const ledger = {
        countPrompt: () => counted(45),
        countTexts: () => counted(45),
        countCompletion: () => counted(61),
        commit: () => Promise.resolve(),
      };
      const settlement = { settle() {}, release() {} };
      const messages = [{ role: 'user', content: PROMPT }];
      const outcome = {
        model: 'bench/model',
        endpoint,
        upstreamId: 'chatcmpl-bench',
        finishReason: 'stop',
        nativeFinishReason: 'stop',
        usage: (factsFor('', prices) as { nativeUsage: unknown }).nativeUsage,
        completionText: PROMPT,
        cancelled: false,
        serviceTier: null,
      };
      return time(async () => {
        const meter = new Meter(
          {
            keyHash: 'a'.repeat(64),
            workspaceId: 'default',
            model: 'bench/model',
            streamed: false,
            apiType: 'completions',
            messages,
            httpReferer: null,
            userAgent: 'bench',
            externalUser: null,
            sessionId: null,
            dataRegion: 'global',
            numMediaPrompt: 0,
            numPromptImages: 0,
            numInputAudioPrompt: 0,
            nowMs: Date.now(),
            settlement,
            storeContent: false,
            chargeCap: () => null,
          },
          ledger,
        );
        meter.dispatched();
        meter.attempted(candidate, 200, null);
        meter.firstToken();
        await meter.finish(outcome);
      });
    },
  },
  {
    component: 'cancel signal: AbortController + the listener undici adds and removes',
    how: 'what each metered request made for the client leaving (and a stream for its upstream)',
    async measure() {
      const listener = () => undefined;
      return time(() => {
        const controller = new AbortController();
        controller.signal.addEventListener('abort', listener, { once: true });
        controller.signal.removeEventListener('abort', listener);
        return controller.signal.aborted;
      });
    },
  },
  {
    component: 'cancel signal: CancelSignal + the listener undici adds and removes',
    how: 'providers/cancel-signal.ts, the emitter that replaces it',
    async measure() {
      const CancelSignal = (await load(['providers/cancel-signal']))['CancelSignal'] as new () => {
        once(event: 'abort', listener: () => void): unknown;
        removeListener(event: 'abort', listener: () => void): unknown;
        readonly aborted: boolean;
      };
      if (typeof CancelSignal !== 'function') throw new Error('CancelSignal missing');
      const listener = () => undefined;
      return time(() => {
        const signal = new CancelSignal();
        signal.once('abort', listener);
        signal.removeListener('abort', listener);
        return signal.aborted;
      });
    },
  },
  ...(['power', 'process'] as const).map((durability) => ({
    component: `SQLite commit per row, batches of 64 (${durability})`,
    how: 'storage.generations.insertMany of 64 finished rows ÷ 64 (wall time, writer thread)',
    async measure() {
      const finish = await fn<Finish>(['ledger/generation-record'], 'finishGeneration');
      const prices = await pricesOf();
      // Rows built once; each batch only gives them new ids (the build is the row above).
      const rows = Array.from({ length: 64 }, () => finish(factsFor(nextId(), prices)).row);
      return withStorage(durability, async (storage) => {
        const batch = () => rows.map((row) => ({ ...row, id: nextId() }));
        const perBatch = await time(() => storage.generations.insertMany(batch()));
        return perBatch / 64;
      });
    },
  })),
  {
    component: 'lookup: storage.generations.get(id) (SQLite, 10,000 rows)',
    how: 'read of a stored record by id, ids in turn',
    async measure() {
      const finish = await fn<Finish>(['ledger/generation-record'], 'finishGeneration');
      const prices = await pricesOf();
      return withStorage('process', async (storage) => {
        const ids: string[] = [];
        for (let batch = 0; batch < 10; batch += 1) {
          const rows = Array.from({ length: 1_000 }, () => {
            const id = nextId();
            ids.push(id);
            return finish(factsFor(id, prices)).row;
          });
          await storage.generations.insertMany(rows);
        }
        let next = 0;
        return time(() => storage.generations.get(ids[next++ % ids.length] ?? ''));
      });
    },
  },
  {
    component: 'tokens: small text in-process (gpt-tokenizer o200k_base)',
    how: `countTokens of ${SMALL_TEXT.length} chars on this thread`,
    async measure() {
      const tokenizer = await loadPackage('gpt-tokenizer/encoding/o200k_base');
      const countTokens = tokenizer['countTokens'] as (text: string) => number;
      return time(() => countTokens(SMALL_TEXT));
    },
  },
  {
    component: 'tokens: small text via the worker (round trip)',
    how: `TokenCounter.countText of ${SMALL_TEXT.length} chars, awaited one at a time`,
    async measure() {
      const createTokenCounter = await fn<
        () => {
          ready(): Promise<void>;
          countText(text: string): Promise<unknown>;
          close(): Promise<void>;
        }
      >(['ledger/count-tokens'], 'createTokenCounter');
      const counter = createTokenCounter();
      try {
        await counter.ready();
        return await time(() => counter.countText(SMALL_TEXT));
      } finally {
        await counter.close();
      }
    },
  },
  {
    component: 'tokens: 20 KB text via the worker, uncached (round trip)',
    how: `TokenCounter.countText of ${LONG_TEXT.length} chars, the same text each time, no cache`,
    measure: () => timeCountText(LONG_TEXT, { cache: null }),
  },
  {
    component: 'tokens: 20 KB text, token-count cache hit',
    how: `the same, answered by the cache (SHA-256 of ${LONG_TEXT.length} chars + Map lookup)`,
    async measure() {
      const TokenCountCache = await fn<new () => unknown>(
        ['ledger/token-count-cache'],
        'TokenCountCache',
      );
      return timeCountText(LONG_TEXT, { cache: new TokenCountCache() });
    },
  },
  {
    component: 'SSE: chunk JSON.parse + zod (ChatCompletionChunkSchema) + JSON.stringify',
    how: 'one content delta event of an OpenAI-compatible stream',
    async measure() {
      const protocol = await loadPackage('@tollgate/protocol');
      const schema = protocol['ChatCompletionChunkSchema'] as { parse(value: unknown): unknown };
      return time(() => `data: ${JSON.stringify(schema.parse(JSON.parse(CHUNK)))}\n\n`);
    },
  },
  {
    component: 'SSE: chunk JSON.parse + JSON.stringify (no schema)',
    how: 'the same event, re-serialized without validation',
    async measure() {
      return time(() => `data: ${JSON.stringify(JSON.parse(CHUNK))}\n\n`);
    },
  },
  {
    component: 'auth: SHA-256 of the key + cached key row (ApiKeyAuthenticator)',
    how: 'authenticate(`Bearer …`) with the row already cached',
    async measure() {
      const keys = await load(['accounts/api-keys']);
      const Authenticator = keys['ApiKeyAuthenticator'] as new (
        store: unknown,
      ) => { authenticate(header: string): Promise<unknown> };
      const hashKey = keys['hashKey'] as (key: string) => string;
      if (typeof Authenticator !== 'function' || typeof hashKey !== 'function') {
        throw new Error('ApiKeyAuthenticator or hashKey missing');
      }
      const key = `sk-tg-v1-${randomBytes(24).toString('hex')}`;
      const row = { hash: hashKey(key), disabled: false, expiresAt: null, isManagement: false };
      // An injected store (the authenticator's own dependency): one row, answered at once.
      const authenticator = new Authenticator({ get: async () => row });
      return time(() => authenticator.authenticate(`Bearer ${key}`));
    },
  },
  {
    component: 'auth: key row read, uncached (SQLite)',
    how: 'storage.apiKeys.get(hash) of a missing key (the query alone)',
    async measure() {
      return withStorage('process', async (storage) =>
        time(() => storage.apiKeys.get('f'.repeat(64))),
      );
    },
  },
];

const rows: Row[] = [];
for (const { component, how, measure } of COMPONENTS) {
  if (values.only !== undefined && !component.includes(values.only)) continue;
  try {
    rows.push({ component, microseconds: await measure(), how });
  } catch (failure) {
    const message = failure instanceof Error ? failure.message : String(failure);
    rows.push({
      component,
      microseconds: null,
      how,
      error: (message.split('\n', 1)[0] ?? '').slice(0, 120),
    });
  }
  process.stderr.write('.');
}
process.stderr.write('\n');
if (values.json) {
  process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
} else {
  process.stdout.write('| Component | µs per operation | Measured as |\n| --- | ---: | --- |\n');
  for (const row of rows) {
    const value = row.microseconds === null ? `n/a (${row.error})` : row.microseconds.toFixed(2);
    process.stdout.write(`| ${row.component} | ${value} | ${row.how} |\n`);
  }
  process.stdout.write(
    `\nNode ${process.version}; ${ROUNDS} rounds of ${ROUND_MS} ms per row, median; in-process, one thread (the SQLite writer and the token worker are their own threads: their rows are wall time).\n`,
  );
}
process.exit(0);
