import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { DEMO_CORPUS } from './demo-corpus.js';

/** A running demo upstream: an OpenAI-compatible HTTP server on loopback. */
export interface DemoUpstream {
  /** Base URL including `/v1`, e.g. `http://127.0.0.1:43121/v1`. */
  readonly url: string;
  /** Stops listening and destroys every open socket, keep-alive ones included. */
  close(): Promise<void>;
}

/** Options for {@link startDemoUpstream}. */
export interface DemoUpstreamOptions {
  /** Interface to bind; defaults to `127.0.0.1`. */
  host?: string;
  /** Port to bind; defaults to `0` (any free port). */
  port?: number;
  /** Pause between streamed chunks in milliseconds; defaults to `0`. */
  chunkDelayMs?: number;
}

/** Model id the demo upstream lists under `GET /v1/models`. */
export const DEMO_UPSTREAM_MODEL_ID = 'demo-1';

/** The demo's embedding model id (`POST /v1/embeddings`). */
export const DEMO_UPSTREAM_EMBEDDING_MODEL_ID = 'demo-embed-1';

/** Dimensions of the demo's embeddings. */
export const DEMO_EMBEDDING_DIMENSIONS = 64;

/** Plain description of the demo embedding model. */
export const DEMO_EMBEDDING_MODEL_DESCRIPTION =
  "Tollgate's offline demo embeddings: 64 numbers derived from a SHA-256 of each input, unit " +
  'length. They carry no meaning; they exist so you can try embeddings and their metering without ' +
  'a provider account.';

/** Plain description of the demo model, shown wherever models are listed. */
export const DEMO_MODEL_DESCRIPTION =
  "Tollgate's offline demo: a simulator that generates text locally from a small word-level " +
  'Markov chain over a few paragraphs about gateways. It is not a language model and does not ' +
  'understand your prompt; it exists so you can try routing, streaming and metering without a ' +
  'provider account.';

const PREAMBLE = "This is Tollgate's offline demo model.";
const SYSTEM_FINGERPRINT = 'fp_tollgate_demo';
const MODELS_CREATED = 1_735_689_600;
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const MAX_SENTENCE_WORDS = 28;
const DEFAULT_MIN_TOKENS = 40;
const DEFAULT_MAX_TOKENS = 80;
const TOKEN_PATTERN = /[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu;

type FinishReason = 'stop' | 'length';
/** A JSON object read loosely: only the named keys, each of unknown type. */
type Fields<Key extends string> = { readonly [Name in Key]?: unknown };

interface DemoReply {
  /** Whitespace-free pieces; the content is these joined by single spaces. */
  readonly pieces: readonly string[];
  readonly content: string;
  readonly completionTokens: number;
  readonly finishReason: FinishReason;
}

interface ChatCall {
  readonly model: string;
  readonly stream: boolean;
  readonly includeUsage: boolean;
  readonly promptTokens: number;
  readonly reply: DemoReply;
  readonly random: () => number;
}

class InvalidRequest extends Error {
  readonly param: string | null;
  readonly status: number;
  constructor(message: string, param: string | null = null, status = 400) {
    super(message);
    this.param = param;
    this.status = status;
  }
}

/**
 * Counts tokens the demo's own way: one per run of letters or digits, one per other non-space
 * character. It deliberately differs from any real tokenizer.
 */
export function countDemoTokens(text: string): number {
  return text.match(TOKEN_PATTERN)?.length ?? 0;
}

/** Starts the demo upstream on loopback and resolves once it is listening. */
export async function startDemoUpstream(options: DemoUpstreamOptions = {}): Promise<DemoUpstream> {
  const chunkDelayMs = options.chunkDelayMs ?? 0;
  const sockets = new Set<Socket>();
  const server = createServer((request, response) => {
    handleRequest(request, response, chunkDelayMs).catch(() => {
      if (response.headersSent) response.destroy();
      else sendError(response, 500, 'The demo upstream failed unexpectedly.', 'server_error');
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}/v1`,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

async function handleRequest(
  request: IncomingMessage,
  response: ServerResponse,
  chunkDelayMs: number,
): Promise<void> {
  const { pathname } = new URL(request.url ?? '/', 'http://demo.invalid');
  const route = `${request.method ?? 'GET'} ${pathname.replace(/\/+$/, '')}`;
  if (route === 'GET /v1/models') {
    sendJson(response, 200, {
      object: 'list',
      data: [DEMO_UPSTREAM_MODEL_ID, DEMO_UPSTREAM_EMBEDDING_MODEL_ID].map((id) => ({
        id,
        object: 'model',
        created: MODELS_CREATED,
        owned_by: 'tollgate',
      })),
    });
    return;
  }
  const handler = ROUTES[route];
  if (handler === undefined) {
    sendError(response, 404, `Invalid URL (${request.method ?? 'GET'} ${pathname})`);
    return;
  }
  let body: unknown;
  try {
    body = await readBody(request);
    await handler(body, response, chunkDelayMs);
  } catch (error) {
    if (!(error instanceof InvalidRequest) || response.headersSent) throw error;
    sendError(response, error.status, error.message, 'invalid_request_error', error.param);
  }
}

type Handler = (body: unknown, response: ServerResponse, chunkDelayMs: number) => Promise<void>;

/** The POST routes of the demo upstream: chat, legacy text completions and embeddings. */
const ROUTES: Readonly<Record<string, Handler>> = {
  'POST /v1/chat/completions': async (body, response, chunkDelayMs) => {
    const call = parseChatCall(body);
    if (call.stream) await streamEvents(response, toStreamEvents(call), chunkDelayMs);
    else sendJson(response, 200, toCompletion(call));
  },
  'POST /v1/completions': async (body, response, chunkDelayMs) => {
    const call = parseTextCall(body);
    if (call.stream) await streamEvents(response, toTextStreamEvents(call), chunkDelayMs);
    else sendJson(response, 200, toTextCompletion(call));
  },
  'POST /v1/embeddings': async (body, response) => {
    sendJson(response, 200, toEmbeddings(body));
  },
};

async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new InvalidRequest('Request body is too large.', null, 413);
    chunks.push(buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new InvalidRequest(
      'We could not parse the JSON body of your request. The demo upstream expects a JSON payload.',
    );
  }
}

function asFields<Key extends string>(value: unknown): Fields<Key> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Fields<Key>)
    : undefined;
}

type ChatField =
  | 'model'
  | 'messages'
  | 'stream'
  | 'stream_options'
  | 'max_tokens'
  | 'max_completion_tokens';

function parseChatCall(body: unknown): ChatCall {
  const fields = asFields<ChatField>(body);
  if (!fields) throw new InvalidRequest('The request body must be a JSON object.');
  const { messages } = fields;
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new InvalidRequest("'messages' must be a non-empty array.", 'messages');
  }
  const normalized = messages.map((message: unknown, index) => {
    const messageFields = asFields<'role' | 'content'>(message);
    if (!messageFields || typeof messageFields.role !== 'string') {
      throw new InvalidRequest(`'messages[${index}]' must be an object with a 'role'.`, 'messages');
    }
    return [messageFields.role, contentText(messageFields.content)] as const;
  });
  const maxTokens = parseMaxTokens(fields);
  const seed = createHash('sha256').update(JSON.stringify(normalized)).digest();
  const random = createRandom(seed);
  const options = asFields<'include_usage'>(fields.stream_options);
  return {
    model: typeof fields.model === 'string' ? fields.model : DEMO_UPSTREAM_MODEL_ID,
    stream: fields.stream === true,
    includeUsage: options?.include_usage === true,
    promptTokens: normalized.reduce((sum, [, text]) => sum + 3 + countDemoTokens(text), 0),
    reply: composeReply(random, maxTokens),
    random,
  };
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part: unknown) => asFields<'text'>(part)?.text)
    .filter((text): text is string => typeof text === 'string')
    .join('\n');
}

function parseMaxTokens(fields: Fields<ChatField>): number | undefined {
  for (const param of ['max_completion_tokens', 'max_tokens'] as const) {
    const value = fields[param];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      throw new InvalidRequest(`'${param}' must be a positive integer.`, param);
    }
    return value;
  }
  return undefined;
}

/** sfc32: a small, well-mixed PRNG seeded from the first 16 bytes of a hash. */
function createRandom(seed: Buffer): () => number {
  let a = seed.readUInt32LE(0);
  let b = seed.readUInt32LE(4);
  let c = seed.readUInt32LE(8);
  let d = seed.readUInt32LE(12);
  return () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4_294_967_296;
  };
}

function pick<T>(items: readonly T[], random: () => number): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error('pick() needs a non-empty list');
  return item;
}

interface MarkovChain {
  readonly starts: ReadonlyArray<readonly [string, string]>;
  readonly next: ReadonlyMap<string, readonly string[]>;
}

const endsSentence = (word: string): boolean => /[.!?]$/.test(word);

/** Builds an order-2 chain: each pair of consecutive words maps to the words seen after it. */
function buildChain(corpus: string): MarkovChain {
  const words = corpus.split(/\s+/).filter((word) => word.length > 0);
  const starts: Array<readonly [string, string]> = [];
  const next = new Map<string, string[]>();
  for (let index = 0; index + 1 < words.length; index++) {
    const left = words[index];
    const right = words[index + 1];
    if (left === undefined || right === undefined) continue;
    const previous = words[index - 1];
    if (previous === undefined || endsSentence(previous)) starts.push([left, right]);
    const following = words[index + 2];
    if (following === undefined) continue;
    const key = `${left} ${right}`;
    next.set(key, [...(next.get(key) ?? []), following]);
  }
  return { starts, next };
}

const chain = buildChain(DEMO_CORPUS);

function generateSentence(random: () => number): string[] {
  const sentence: string[] = [...pick(chain.starts, random)];
  let last = sentence.at(-1) ?? '';
  while (!endsSentence(last) && sentence.length < MAX_SENTENCE_WORDS) {
    const candidates = chain.next.get(sentence.slice(-2).join(' '));
    if (!candidates) break;
    last = pick(candidates, random);
    sentence.push(last);
  }
  if (!endsSentence(last)) sentence.splice(-1, 1, `${last.replace(/[^\p{L}\p{N}]+$/u, '')}.`);
  return sentence;
}

/** Composes the whole reply (preamble + sentences, 40–80 tokens), then cuts it at `maxTokens`. */
function composeReply(random: () => number, maxTokens: number | undefined): DemoReply {
  const target =
    DEFAULT_MIN_TOKENS + Math.floor(random() * (DEFAULT_MAX_TOKENS - DEFAULT_MIN_TOKENS + 1));
  const pieces = PREAMBLE.split(' ');
  const seen = new Set<string>();
  let total = countDemoTokens(PREAMBLE);
  while (total < target) {
    let sentence = generateSentence(random);
    for (let retry = 0; retry < 3 && seen.has(sentence.join(' ')); retry++) {
      sentence = generateSentence(random);
    }
    const tokens = countDemoTokens(sentence.join(' '));
    // Stop at a sentence boundary rather than overshoot the default range.
    if (total >= DEFAULT_MIN_TOKENS && total + tokens > DEFAULT_MAX_TOKENS) break;
    seen.add(sentence.join(' '));
    pieces.push(...sentence);
    total += tokens;
  }
  return truncateReply(pieces, maxTokens ?? Number.POSITIVE_INFINITY);
}

function truncateReply(pieces: readonly string[], maxTokens: number): DemoReply {
  const kept: string[] = [];
  let used = 0;
  for (const piece of pieces) {
    const tokens = countDemoTokens(piece);
    if (used + tokens > maxTokens) {
      const remaining = maxTokens - used;
      // Keep the first `remaining` tokens of the piece so completion_tokens equals max_tokens.
      const cut = [...piece.matchAll(TOKEN_PATTERN)][remaining - 1];
      if (cut) kept.push(piece.slice(0, cut.index + cut[0].length));
      used += remaining;
      const content = kept.join(' ');
      return { pieces: kept, content, completionTokens: used, finishReason: 'length' };
    }
    kept.push(piece);
    used += tokens;
  }
  return { pieces: kept, content: kept.join(' '), completionTokens: used, finishReason: 'stop' };
}

function toUsage(call: ChatCall): object {
  const { promptTokens } = call;
  const completionTokens = call.reply.completionTokens;
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0 },
  };
}

function toCompletion(call: ChatCall): object {
  return {
    id: createCompletionId(),
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: call.model,
    system_fingerprint: SYSTEM_FINGERPRINT,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: call.reply.content, refusal: null },
        logprobs: null,
        finish_reason: call.reply.finishReason,
      },
    ],
    usage: toUsage(call),
  };
}

/** Splits the reply into deltas of one to three words; joined, they equal the content exactly. */
function toDeltas(pieces: readonly string[], random: () => number): string[] {
  const deltas: string[] = [];
  for (let index = 0; index < pieces.length; ) {
    const size = 1 + Math.floor(random() * 3);
    const words = pieces.slice(index, index + size).join(' ');
    deltas.push(index === 0 ? words : ` ${words}`);
    index += size;
  }
  return deltas;
}

function toStreamEvents(call: ChatCall): string[] {
  const base = {
    id: createCompletionId(),
    object: 'chat.completion.chunk',
    created: Math.floor(Date.now() / 1000),
    model: call.model,
    system_fingerprint: SYSTEM_FINGERPRINT,
  };
  // As OpenAI does: with include_usage, every chunk but the final usage chunk has `usage: null`.
  const usageField = call.includeUsage ? { usage: null } : {};
  const chunk = (delta: object, finishReason: FinishReason | null): string =>
    JSON.stringify({
      ...base,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      ...usageField,
    });
  const events = [chunk({ role: 'assistant', content: '' }, null)];
  for (const content of toDeltas(call.reply.pieces, call.random)) {
    events.push(chunk({ content }, null));
  }
  events.push(chunk({}, call.reply.finishReason));
  if (call.includeUsage)
    events.push(JSON.stringify({ ...base, choices: [], usage: toUsage(call) }));
  events.push('[DONE]');
  return events;
}

async function streamEvents(
  response: ServerResponse,
  events: readonly string[],
  chunkDelayMs: number,
): Promise<void> {
  const disconnected = new AbortController();
  const { signal } = disconnected;
  response.once('close', () => disconnected.abort());
  response.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-request-id': `req_${randomBytes(16).toString('hex')}`,
  });
  for (const [index, event] of events.entries()) {
    if (signal.aborted) return;
    const flushed = response.write(`data: ${event}\n\n`);
    try {
      if (!flushed) await once(response, 'drain', { signal });
      if (chunkDelayMs > 0 && index < events.length - 1) {
        await delay(chunkDelayMs, undefined, { signal });
      }
    } catch {
      // Aborted because the client went away: the timer is already cleared, nothing left to do.
      return;
    }
  }
  response.end();
}

/** One legacy completion per prompt, each seeded by its prompt. */
interface TextCall {
  readonly model: string;
  readonly stream: boolean;
  readonly includeUsage: boolean;
  readonly prompts: ReadonlyArray<{ tokens: number; reply: DemoReply; random: () => number }>;
}

type TextField = 'model' | 'prompt' | 'stream' | 'stream_options' | 'max_tokens';

function parseTextCall(body: unknown): TextCall {
  const fields = asFields<TextField>(body);
  if (!fields) throw new InvalidRequest('The request body must be a JSON object.');
  const prompts = typeof fields.prompt === 'string' ? [fields.prompt] : fields.prompt;
  if (
    !Array.isArray(prompts) ||
    prompts.length === 0 ||
    !prompts.every((prompt) => typeof prompt === 'string')
  ) {
    throw new InvalidRequest(
      "'prompt' must be a string or a non-empty array of strings.",
      'prompt',
    );
  }
  const maxTokens = parseMaxTokens(fields);
  const options = asFields<'include_usage'>(fields.stream_options);
  return {
    model: typeof fields.model === 'string' ? fields.model : DEMO_UPSTREAM_MODEL_ID,
    stream: fields.stream === true,
    includeUsage: options?.include_usage === true,
    prompts: (prompts as string[]).map((prompt) => {
      const random = createRandom(createHash('sha256').update(prompt).digest());
      return { tokens: countDemoTokens(prompt), reply: composeReply(random, maxTokens), random };
    }),
  };
}

function textUsage(call: TextCall): object {
  let promptTokens = 0;
  let completionTokens = 0;
  for (const prompt of call.prompts) {
    promptTokens += prompt.tokens;
    completionTokens += prompt.reply.completionTokens;
  }
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
}

function toTextCompletion(call: TextCall): object {
  return {
    id: createCompletionId('cmpl'),
    object: 'text_completion',
    created: Math.floor(Date.now() / 1000),
    model: call.model,
    system_fingerprint: SYSTEM_FINGERPRINT,
    choices: call.prompts.map(({ reply }, index) => ({
      text: reply.content,
      index,
      logprobs: null,
      finish_reason: reply.finishReason,
    })),
    usage: textUsage(call),
  };
}

function toTextStreamEvents(call: TextCall): string[] {
  const base = {
    id: createCompletionId('cmpl'),
    object: 'text_completion',
    created: Math.floor(Date.now() / 1000),
    model: call.model,
    system_fingerprint: SYSTEM_FINGERPRINT,
  };
  const chunk = (index: number, text: string, finishReason: FinishReason | null): string =>
    JSON.stringify({
      ...base,
      choices: [{ text, index, logprobs: null, finish_reason: finishReason }],
      ...(call.includeUsage ? { usage: null } : {}),
    });
  const events: string[] = [];
  for (const [index, prompt] of call.prompts.entries()) {
    for (const text of toDeltas(prompt.reply.pieces, prompt.random)) {
      events.push(chunk(index, text, null));
    }
    events.push(chunk(index, '', prompt.reply.finishReason));
  }
  if (call.includeUsage)
    events.push(JSON.stringify({ ...base, choices: [], usage: textUsage(call) }));
  events.push('[DONE]');
  return events;
}

/** The inputs of an embeddings request, each embedded on its own: texts or token-id arrays. */
function embeddingInputs(input: unknown): Array<string | number[]> {
  if (typeof input === 'string') return [input];
  if (Array.isArray(input) && input.length > 0) {
    if (input.every((item) => typeof item === 'number')) return [input as number[]];
    if (
      input.every(
        (item) =>
          typeof item === 'string' ||
          (Array.isArray(item) && item.every((id: unknown) => typeof id === 'number')),
      )
    ) {
      return input as Array<string | number[]>;
    }
  }
  throw new InvalidRequest(
    "'input' must be a string, an array of strings, or token ids (an array of integers, or of such arrays).",
    'input',
  );
}

/** A unit-length vector derived from the input's SHA-256: the same input, the same vector. */
function demoVector(input: string | number[]): number[] {
  const random = createRandom(createHash('sha256').update(JSON.stringify(input)).digest());
  const vector = Array.from({ length: DEMO_EMBEDDING_DIMENSIONS }, () => random() * 2 - 1);
  const norm = Math.hypot(...vector);
  // Rounded through float32, as real embeddings are: base64 and float encodings agree exactly.
  return vector.map((value) => Math.fround(value / norm));
}

function toEmbeddings(body: unknown): object {
  const fields = asFields<'model' | 'input' | 'encoding_format'>(body);
  if (!fields) throw new InvalidRequest('The request body must be a JSON object.');
  const encoding = fields.encoding_format ?? 'float';
  if (encoding !== 'float' && encoding !== 'base64') {
    throw new InvalidRequest("'encoding_format' must be 'float' or 'base64'.", 'encoding_format');
  }
  const inputs = embeddingInputs(fields.input);
  let promptTokens = 0;
  for (const input of inputs) {
    promptTokens += typeof input === 'string' ? countDemoTokens(input) : input.length;
  }
  return {
    object: 'list',
    data: inputs.map((input, index) => {
      const vector = demoVector(input);
      return {
        object: 'embedding',
        index,
        embedding:
          encoding === 'float'
            ? vector
            : Buffer.from(new Float32Array(vector).buffer).toString('base64'),
      };
    }),
    model: typeof fields.model === 'string' ? fields.model : DEMO_UPSTREAM_EMBEDDING_MODEL_ID,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  };
}

function createCompletionId(prefix = 'chatcmpl'): string {
  return `${prefix}-${randomBytes(12).toString('hex')}`;
}

function sendJson(response: ServerResponse, status: number, body: object): void {
  const payload = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    'x-request-id': `req_${randomBytes(16).toString('hex')}`,
  });
  response.end(payload);
}

function sendError(
  response: ServerResponse,
  status: number,
  message: string,
  type = 'invalid_request_error',
  param: string | null = null,
): void {
  sendJson(response, status, { error: { message, type, param, code: null } });
}
