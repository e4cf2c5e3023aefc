import type { LoadRequest } from './run-load.js';
import { chatRequest, type Target } from './targets.js';

async function send(origin: string, request: LoadRequest): Promise<Response> {
  return fetch(`${origin}${request.path}`, {
    method: request.method,
    headers: request.headers,
    ...(request.body === undefined ? {} : { body: request.body }),
    signal: AbortSignal.timeout(10_000),
  });
}

function fail(target: Target, what: string, detail: string): never {
  throw new Error(`${target.name}: ${what}: ${detail.slice(0, 500)}`);
}

/** Sends one non-stream chat request and returns the parsed body, checking its OpenAI shape. */
export async function checkChat(target: Target): Promise<{ id: string }> {
  const response = await send(target.origin, chatRequest(target, false));
  const text = await response.text();
  if (response.status !== 200) fail(target, `chat answered ${response.status}`, text);
  const body = JSON.parse(text) as {
    id?: unknown;
    choices?: Array<{ message?: { content?: unknown } }>;
    usage?: { total_tokens?: unknown };
  };
  const content = body.choices?.[0]?.message?.content;
  if (typeof content !== 'string' || content === '') fail(target, 'chat has no content', text);
  if (typeof body.usage?.total_tokens !== 'number') fail(target, 'chat has no usage', text);
  if (typeof body.id !== 'string') fail(target, 'chat has no id', text);
  return { id: body.id };
}

/** Sends one stream and checks it carries `chunks` content events, usage and `[DONE]`. */
export async function checkStream(target: Target, chunks: number): Promise<void> {
  const response = await send(target.origin, chatRequest(target, true));
  const text = await response.text();
  if (response.status !== 200) fail(target, `stream answered ${response.status}`, text);
  const events = text
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => line.slice('data: '.length));
  if (events.at(-1) !== '[DONE]') fail(target, 'stream does not end with [DONE]', text);
  const parsed = events.slice(0, -1).map(
    (event) =>
      JSON.parse(event) as {
        choices?: Array<{ delta?: { content?: unknown } }>;
        usage?: unknown;
      },
  );
  const contentEvents = parsed.filter((event) => {
    const content = event.choices?.[0]?.delta?.content;
    return typeof content === 'string' && content !== '';
  }).length;
  if (contentEvents !== chunks) {
    fail(target, `stream has ${contentEvents} content events, expected ${chunks}`, text);
  }
  if (!parsed.some((event) => typeof event.usage === 'object' && event.usage !== null)) {
    fail(target, 'stream has no usage event', text);
  }
}

/** Fetches one generation record; returns the exact response bytes. */
export async function fetchGeneration(target: Target, id: string): Promise<Buffer> {
  const response = await send(target.origin, {
    method: 'GET',
    path: `/api/v1/generation?id=${encodeURIComponent(id)}`,
    headers: target.headers,
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  if (response.status !== 200) fail(target, `generation answered ${response.status}`, `${bytes}`);
  const record = JSON.parse(bytes.toString('utf8')) as { data?: { id?: unknown } };
  if (record.data?.id !== id) fail(target, 'generation has another id', `${bytes}`);
  return bytes;
}

/** Creates `count` generations on Tollgate (16 at a time) and returns their ids. */
export async function createGenerations(target: Target, count: number): Promise<string[]> {
  const ids: string[] = [];
  while (ids.length < count) {
    const batch = Array.from({ length: Math.min(16, count - ids.length) }, () => checkChat(target));
    for (const { id } of await Promise.all(batch)) ids.push(id);
  }
  return ids;
}
