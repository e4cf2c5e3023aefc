/**
 * A fake OpenAI-compatible upstream for the benchmark: real HTTP on loopback, answering
 * `POST /v1/chat/completions` from prebuilt bytes. Non-stream requests get a `chat.completion`
 * with usage; `stream: true` gets a role chunk, `--chunks` content chunks, a finish chunk, a usage
 * chunk (`choices: []`) and `data: [DONE]`, each event written separately one event-loop turn
 * apart (as a real upstream's events arrive apart, without waiting on a clock).
 *
 * Streams for a held model (`bench-held-N` or `bench/held-N`) stop after the first content chunk
 * and stay open until `POST /release` (the memory-per-open-stream scenario).
 *
 * Run: `node --import tsx bench/fake-upstream.ts --port 9001 --chunks 20`
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';

const CREATED = 1_735_689_600;
const MODEL = 'bench-1';
const CONTENT_WORDS = [
  ' The',
  ' quick',
  ' brown',
  ' fox',
  ' jumps',
  ' over',
  ' the',
  ' lazy',
  ' dog',
];

/** OpenAI's usage object for a response of `completionTokens` tokens. */
function usage(completionTokens: number): Record<string, unknown> {
  return {
    prompt_tokens: 48,
    completion_tokens: completionTokens,
    total_tokens: 48 + completionTokens,
    prompt_tokens_details: { cached_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0 },
  };
}

/** The non-stream body, built once: only the id changes per request. */
function completionBody(id: string, content: string, completionTokens: number): string {
  return JSON.stringify({
    id,
    object: 'chat.completion',
    created: CREATED,
    model: MODEL,
    system_fingerprint: 'fp_bench',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content, refusal: null },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: usage(completionTokens),
  });
}

/** Every SSE event of one stream, as separate buffers (written one turn apart). */
function streamEvents(chunks: number): Buffer[] {
  const chunk = (choices: unknown[], chunkUsage: unknown) =>
    JSON.stringify({
      id: 'chatcmpl-bench-stream',
      object: 'chat.completion.chunk',
      created: CREATED,
      model: MODEL,
      system_fingerprint: 'fp_bench',
      choices,
      usage: chunkUsage,
    });
  const delta = (value: Record<string, string>, finishReason: string | null) => [
    { index: 0, delta: value, logprobs: null, finish_reason: finishReason },
  ];
  const payloads = [chunk(delta({ role: 'assistant', content: '' }, null), null)];
  for (let index = 0; index < chunks; index += 1) {
    const word = CONTENT_WORDS[index % CONTENT_WORDS.length] ?? ' word';
    payloads.push(chunk(delta({ content: word }, null), null));
  }
  payloads.push(chunk(delta({}, 'stop'), null));
  payloads.push(chunk([], usage(chunks)));
  payloads.push('[DONE]');
  return payloads.map((payload) => Buffer.from(`data: ${payload}\n\n`));
}

/** Whether the fake upstream holds streams of `model` open until `POST /release`. */
function isHeld(model: unknown): boolean {
  return typeof model === 'string' && /^bench[-/]held-\d+$/.test(model);
}

/** Events written before a held stream waits: the role chunk and the first content chunk. */
const HELD_PREFIX = 2;

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    request.on('data', (part: Buffer) => parts.push(part));
    request.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    request.on('error', reject);
  });
}

function writeEvents(response: ServerResponse, events: readonly Buffer[], index: number): void {
  const event = events[index];
  if (event === undefined || response.destroyed) {
    response.end();
    return;
  }
  response.write(event);
  setImmediate(writeEvents, response, events, index + 1);
}

/** Starts the fake upstream; resolves once it listens. */
function startFakeUpstream(port: number, chunks: number): Promise<void> {
  const events = streamEvents(chunks);
  const content = CONTENT_WORDS.join('').repeat(3).trim();
  let sequence = 0;
  let held: ServerResponse[] = [];
  const server = createServer(async (request, response) => {
    if (request.method === 'GET' && request.url === '/health') {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (request.method === 'POST' && request.url === '/release') {
      const released = held;
      held = [];
      for (const waiting of released) writeEvents(waiting, events, HELD_PREFIX);
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(`{"released":${released.length}}`);
      return;
    }
    if (request.method !== 'POST' || request.url !== '/v1/chat/completions') {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    let stream: unknown;
    let model: unknown;
    try {
      ({ stream, model } = JSON.parse(await readBody(request)) as {
        stream?: unknown;
        model?: unknown;
      });
    } catch {
      response.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"bad json"}');
      return;
    }
    if (stream === true) {
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      if (isHeld(model)) {
        for (const event of events.slice(0, HELD_PREFIX)) response.write(event);
        held.push(response);
        return;
      }
      writeEvents(response, events, 0);
      return;
    }
    sequence += 1;
    const body = completionBody(`chatcmpl-bench-${sequence}`, content, 27);
    response
      .writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      })
      .end(body);
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
}

const { values } = parseArgs({
  options: { port: { type: 'string' }, chunks: { type: 'string', default: '20' } },
});
await startFakeUpstream(Number(values.port ?? 0), Number(values.chunks));
