import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { createParser, type EventSourceMessage } from 'eventsource-parser';

/** Response headers of an SSE stream. */
export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
} as const;

/** Yields the `data` of every SSE event in a byte stream (comments and blank events dropped). */
export async function* readSseData(body: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
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

/**
 * Writes one SSE event; waits for `drain` when the socket's buffer is full, so a slow client
 * slows the upstream read instead of growing memory. Returns false if the client is gone.
 */
export async function writeSse(response: ServerResponse, payload: string): Promise<boolean> {
  if (response.destroyed || response.writableEnded) return false;
  if (response.write(`data: ${payload}\n\n`)) return true;
  await Promise.race([once(response, 'drain'), once(response, 'close')]);
  return !response.destroyed;
}
