import { type ResourceLimits, Worker, type WorkerOptions } from 'node:worker_threads';
import type { CountReply, CountRequest, CountWorkerData } from './count-tokens-worker.js';
import { CACHED_TEXT_MIN_CHARS, TokenCountCache } from './token-count-cache.js';

/** Package, exact version and encoding behind every normalized count; store it with the counts. */
export const TOKENIZER_ID = 'gpt-tokenizer@4.0.0/o200k_base';

/** A normalized token count; `estimated` is true when the input was too large to tokenize. */
export interface TokenCount {
  tokens: number;
  estimated: boolean;
}

/** Options of {@link createTokenCounter}. */
export interface TokenCounterOptions {
  /** Above this many characters in one count (default 1,000,000), return `ceil(utf8Bytes / 4)`. */
  maxChars?: number;
  /**
   * Heap limits passed to the worker as-is; unset by default, since `maxChars` already bounds a
   * count's memory. A limit too small to load the vocabulary (under about 40 MB) makes every
   * worker crash at startup, which the tests use to exercise crash handling.
   */
  resourceLimits?: ResourceLimits;
  /**
   * Counts of at most this many UTF-16 characters in all run on the calling thread once `ready()`
   * has loaded the tokenizer there (default {@link DEFAULT_IN_PROCESS_MAX_CHARS}); larger ones go
   * to the worker, so the event loop is never blocked long. 0 sends every count to the worker.
   */
  inProcessMaxChars?: number;
  /**
   * Where counts of long texts are remembered, so resent chat history is tokenized once (default:
   * a new {@link TokenCountCache} with its default bound); null counts every text every time.
   */
  cache?: TokenCountCache | null;
}

/**
 * Counts tokens with the reference tokenizer ({@link TOKENIZER_ID}): small texts on the calling
 * thread, large ones in a worker thread, with identical results. The counts of long texts are
 * remembered (token-count-cache.ts), so a chat history resent every turn is tokenized once.
 */
export interface TokenCounter {
  /**
   * Starts the worker if needed and resolves once the tokenizer is loaded and warm, in the worker
   * and on this thread (300-900 ms each the first time; the load here blocks this thread). Await
   * it at gateway startup so the first request does not pay it; until it resolves, every count
   * goes to the worker.
   */
  ready(): Promise<void>;
  /**
   * Counts a chat prompt the way OpenAI's cookbook does:
   * `3 + Σ over messages (3 + tokens(role) + tokens(texts) + [tokens(name) + 1])`, where
   * `tokens(texts)` sums a string `content`, the `text` of array content parts, and the function
   * name and arguments of each entry of `tool_calls`. Other parts (images, audio, files) add nothing.
   * Entries that are not objects are skipped. Above `maxChars`, the text part becomes
   * `ceil(utf8Bytes / 4)` over all those texts, plus the same overhead, flagged as estimated.
   */
  countPrompt(messages: unknown[], scope?: string): Promise<TokenCount>;
  /** Counts plain text, such as a completion, with no chat overhead. */
  countText(text: string, scope?: string): Promise<TokenCount>;
  /**
   * Counts several plain texts (embeddings inputs, legacy prompts), summed, with no overhead.
   * `scope` (every method's last argument: the caller's key hash) keeps cached counts per key.
   */
  countTexts(texts: readonly string[], scope?: string): Promise<TokenCount>;
  /** Terminates the worker; counts still pending reject. Later counts reject too. */
  close(): Promise<void>;
}

const DEFAULT_MAX_CHARS = 1_000_000;
/**
 * Counts up to this size run in-process: ≈ 22 µs per 1,000 characters, so ≈ 45 µs at the limit
 * (the longest the event loop waits), and ≈ 15-20 µs of CPU less than the worker round trip
 * (bench/count-tokens-cost.ts; docs/decisions/0027-write-path.md).
 */
export const DEFAULT_IN_PROCESS_MAX_CHARS = 2048;
const WARM_UP_MESSAGES = [
  { role: 'system', content: 'You are helpful.' },
  { role: 'user', content: [{ type: 'text', text: 'Hello!' }] },
  { role: 'assistant', content: null, tool_calls: [{ function: { name: 'f', arguments: '{}' } }] },
];
const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_NAME = 1;
const REPLY_PRIMING_TOKENS = 3;

/**
 * Creates a token counter backed by one worker thread, started lazily by `ready()` or the first
 * count. One worker is enough: counting is accounting off the request path, it runs at about
 * 3 M tokens/s warm, and every extra worker would load its own copy of the vocabulary (about 64 MB).
 * The worker is unref'ed whenever it is idle, so it never keeps the process alive; it is referenced
 * only while it starts up or a count is in flight, so awaited counts always settle.
 */
export function createTokenCounter(options: TokenCounterOptions = {}): TokenCounter {
  const maxChars = options.maxChars ?? DEFAULT_MAX_CHARS;
  if (Number.isNaN(maxChars) || maxChars < 0) {
    throw new RangeError(`maxChars must be a number >= 0, got ${maxChars}`);
  }
  const inProcessMaxChars = Math.min(
    maxChars,
    options.inProcessMaxChars ?? DEFAULT_IN_PROCESS_MAX_CHARS,
  );
  const cache = options.cache === undefined ? new TokenCountCache() : options.cache;
  return new WorkerTokenCounter(maxChars, inProcessMaxChars, options.resourceLimits, cache);
}

type CountTexts = (texts: readonly string[], maxChars: number, perText?: number[]) => TokenCount;

/** The cache keys of a count's texts (see TokenCountCache.lookup), undefined when none is cached. */
type CacheKeys = (string | undefined)[] | undefined;

interface PendingCount {
  overhead: number;
  keys: CacheKeys;
  resolve: (count: TokenCount) => void;
  reject: (error: Error) => void;
}

interface WorkerSession {
  worker: Worker;
  pending: Map<number, PendingCount>;
  /** Requests not yet posted: flushed together at the end of the current event-loop turn. */
  outbox: CountRequest[];
  ready: Promise<void>;
  settleReady: (error?: Error) => void;
  /** Where the worker's per-text counts of long texts go. */
  cache: TokenCountCache | null;
}

class WorkerTokenCounter implements TokenCounter {
  readonly #maxChars: number;
  readonly #inProcessMaxChars: number;
  readonly #resourceLimits: ResourceLimits | undefined;
  readonly #cache: TokenCountCache | null;
  #session: WorkerSession | undefined;
  /** This thread's tokenizer, once `ready()` has loaded it. */
  #inProcess: CountTexts | undefined;
  #nextId = 0;
  #closed = false;

  constructor(
    maxChars: number,
    inProcessMaxChars: number,
    resourceLimits: ResourceLimits | undefined,
    cache: TokenCountCache | null,
  ) {
    this.#maxChars = maxChars;
    this.#inProcessMaxChars = inProcessMaxChars;
    this.#resourceLimits = resourceLimits;
    this.#cache = cache;
  }

  async ready(): Promise<void> {
    if (this.#closed) throw closedError();
    const loading = this.#loadInProcess();
    // Awaited below; this only keeps a failure from going unhandled while the worker starts.
    loading.catch(() => undefined);
    await this.#open().ready;
    // One round trip through the real path (both threads' message handling, the prompt walk),
    // which the worker's own warm-up cannot reach: cold, it added about 20 ms to the first count.
    await this.#count(extractPromptTexts(WARM_UP_MESSAGES).texts, 0, true);
    await loading;
    // The same walk through this thread's path.
    await this.countPrompt(WARM_UP_MESSAGES);
  }

  /** Loads and warms the tokenizer on this thread (once; only when in-process counts are on). */
  async #loadInProcess(): Promise<void> {
    if (this.#inProcess !== undefined || this.#inProcessMaxChars <= 0) return;
    const { countTexts, warmUpCounting } = await import('./count-texts.js');
    warmUpCounting();
    this.#inProcess = countTexts;
  }

  countPrompt(messages: unknown[], scope?: string): Promise<TokenCount> {
    const { texts, overhead } = extractPromptTexts(messages);
    return this.#count(texts, overhead, false, scope);
  }

  countText(text: string, scope?: string): Promise<TokenCount> {
    return this.#count([text], 0, false, scope);
  }

  countTexts(texts: readonly string[], scope?: string): Promise<TokenCount> {
    return this.#count([...texts], 0, false, scope);
  }

  async close(): Promise<void> {
    this.#closed = true;
    const session = this.#session;
    if (session === undefined) return;
    this.#session = undefined;
    failSession(session, closedError());
    await session.worker.terminate();
  }

  #count(texts: string[], overhead: number, onWorker = false, scope?: string): Promise<TokenCount> {
    if (this.#closed) return Promise.reject(closedError());
    const characters = totalLength(texts);
    const cache = this.#cache;
    // Under CACHED_TEXT_MIN_CHARS in all, no text is long enough to be cached: one comparison.
    // Above maxChars the texts are estimated, as without a cache, so the cache is not asked.
    if (
      cache === null ||
      onWorker ||
      characters < CACHED_TEXT_MIN_CHARS ||
      characters > this.#maxChars
    ) {
      return this.#countUncached(texts, characters, overhead, undefined, onWorker);
    }
    const { cachedTokens, uncounted, keys } = cache.lookup(texts, scope);
    if (uncounted.length === 0) {
      return Promise.resolve({ tokens: cachedTokens + overhead, estimated: false });
    }
    // What is left is counted where its own size says: a hit can spare the worker round trip.
    const left = uncounted.length === texts.length ? characters : totalLength(uncounted);
    return this.#countUncached(uncounted, left, cachedTokens + overhead, keys, false);
  }

  /** Counts `texts` on this thread or the worker; `keys` name the per-text counts to cache. */
  #countUncached(
    texts: string[],
    characters: number,
    overhead: number,
    keys: CacheKeys,
    onWorker: boolean,
  ): Promise<TokenCount> {
    const inProcess = this.#inProcess;
    if (inProcess !== undefined && !onWorker && characters <= this.#inProcessMaxChars) {
      try {
        const perText = keys === undefined ? undefined : [];
        const count = inProcess(texts, this.#maxChars, perText);
        if (keys !== undefined && perText !== undefined) this.#cache?.store(keys, perText);
        return Promise.resolve({ tokens: count.tokens + overhead, estimated: count.estimated });
      } catch (error) {
        return Promise.reject(new Error(`Token counting failed: ${String(error)}`));
      }
    }
    const session = this.#open();
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      session.pending.set(id, { overhead, keys, resolve, reject });
      // Referenced only while a count is in flight: an idle counter never keeps the process alive,
      // but an awaited count is not cut short by the event loop emptying.
      if (session.pending.size === 1) session.worker.ref();
      session.outbox.push({ id, texts, perText: keys !== undefined });
      // One postMessage per turn of the event loop carries every count asked for in it.
      if (session.outbox.length === 1) {
        setImmediate(() => {
          if (session.outbox.length === 0) return;
          session.worker.postMessage(session.outbox.splice(0));
        });
      }
    });
  }

  #open(): WorkerSession {
    if (this.#session !== undefined) return this.#session;
    const script = resolveWorkerScript();
    const workerData: CountWorkerData = { maxChars: this.#maxChars };
    const workerOptions: WorkerOptions = { workerData, eval: script.eval };
    if (this.#resourceLimits !== undefined) workerOptions.resourceLimits = this.#resourceLimits;
    const worker = new Worker(script.source, workerOptions);
    const session = createSession(worker, this.#cache);
    this.#session = session;
    // The worker starts referenced so an awaited ready() completes; handleReply unrefs it once
    // the tokenizer is loaded and no count is in flight.
    worker.on('message', (reply: CountReply | CountReply[]) => {
      if (Array.isArray(reply)) for (const each of reply) handleReply(session, each);
      else handleReply(session, reply);
    });
    // A crashed worker is dropped; the next count starts a fresh one (lazily, so a worker that
    // cannot start does not restart in a loop).
    const crash = (error: Error): void => {
      if (this.#session !== session) return;
      this.#session = undefined;
      failSession(session, error);
    };
    worker.on('error', (error) =>
      crash(new Error(`Token counting worker crashed: ${error.message}`)),
    );
    worker.on('messageerror', (error) => {
      crash(new Error(`Token counting worker sent an unreadable reply: ${error.message}`));
      void worker.terminate();
    });
    worker.on('exit', (code) => crash(new Error(`Token counting worker exited with code ${code}`)));
    return session;
  }
}

function totalLength(texts: readonly string[]): number {
  let length = 0;
  for (const text of texts) length += text.length;
  return length;
}

function createSession(worker: Worker, cache: TokenCountCache | null): WorkerSession {
  let settleReady: (error?: Error) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    settleReady = (error) => (error === undefined ? resolve() : reject(error));
  });
  // ready() callers still see the rejection; this only stops an unawaited one from crashing.
  ready.catch(() => {});
  return { worker, pending: new Map(), outbox: [], ready, settleReady, cache };
}

function handleReply(session: WorkerSession, reply: CountReply): void {
  if (reply.kind === 'ready') {
    session.settleReady();
    if (session.pending.size === 0) session.worker.unref();
    return;
  }
  const pending = session.pending.get(reply.id);
  if (pending === undefined) return;
  session.pending.delete(reply.id);
  if (session.pending.size === 0) session.worker.unref();
  if (reply.kind === 'result') {
    if (pending.keys !== undefined && reply.perText !== undefined) {
      session.cache?.store(pending.keys, reply.perText);
    }
    pending.resolve({ tokens: reply.tokens + pending.overhead, estimated: reply.estimated });
  } else {
    pending.reject(new Error(`Token counting failed: ${reply.message}`));
  }
}

function failSession(session: WorkerSession, error: Error): void {
  session.settleReady(error);
  session.outbox.length = 0;
  for (const pending of session.pending.values()) pending.reject(error);
  session.pending.clear();
}

function closedError(): Error {
  return new Error('Token counter is closed; the count was abandoned');
}

// Compiled JS (dist/) loads the compiled worker file. Under tsx (tests) this module is the .ts
// source and so is the worker, but a worker thread does not get the tsx loader: Node 20 ignores
// `execArgv: ['--import', 'tsx']` for workers (ERR_UNKNOWN_FILE_EXTENSION, nodejs/node#47747). So
// a small eval'd bootstrap registers tsx inside the worker, then imports the .ts worker.
function resolveWorkerScript(): { source: string | URL; eval: boolean } {
  if (!import.meta.url.endsWith('.ts')) {
    return { source: new URL('./count-tokens-worker.js', import.meta.url), eval: false };
  }
  const tsxApi = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const worker = JSON.stringify(new URL('./count-tokens-worker.ts', import.meta.url).href);
  return {
    source: `import(${tsxApi}).then((tsx) => { tsx.register(); return import(${worker}); });`,
    eval: true,
  };
}

interface LooseMessage {
  role?: unknown;
  name?: unknown;
  content?: unknown;
  tool_calls?: unknown;
}

// Runs on the main thread: it only walks the message objects and collects string references, so
// its cost grows with the number of parts, not characters, and image or file data never gets
// copied to the worker (measured: a 1 MB prompt with a 4 MB base64 image costs the main thread
// 0.14 ms instead of 1 ms at p50 when extracted here rather than cloned whole).
function extractPromptTexts(messages: readonly unknown[]): { texts: string[]; overhead: number } {
  const texts: string[] = [];
  let overhead = REPLY_PRIMING_TOKENS;
  for (const entry of messages) {
    if (!isObject(entry)) continue;
    const message: LooseMessage = entry;
    overhead += TOKENS_PER_MESSAGE;
    if (typeof message.role === 'string') texts.push(message.role);
    if (typeof message.name === 'string') {
      texts.push(message.name);
      overhead += TOKENS_PER_NAME;
    }
    collectContent(message.content, texts);
    collectToolCalls(message.tool_calls, texts);
  }
  return { texts, overhead };
}

function collectContent(content: unknown, texts: string[]): void {
  if (typeof content === 'string') {
    texts.push(content);
    return;
  }
  if (!Array.isArray(content)) return;
  for (const entry of content) {
    if (!isObject(entry)) continue;
    const part: { text?: unknown } = entry;
    if (typeof part.text === 'string') texts.push(part.text);
  }
}

function collectToolCalls(toolCalls: unknown, texts: string[]): void {
  if (!Array.isArray(toolCalls)) return;
  for (const entry of toolCalls) {
    const toolCall: { function?: unknown } = isObject(entry) ? entry : {};
    if (!isObject(toolCall.function)) continue;
    const call: { name?: unknown; arguments?: unknown } = toolCall.function;
    if (typeof call.name === 'string') texts.push(call.name);
    if (typeof call.arguments === 'string') texts.push(call.arguments);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
