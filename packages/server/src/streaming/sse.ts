import type { ServerResponse } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import { createParser } from 'eventsource-parser';

/** Response headers of an SSE stream. */
export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
} as const;

/** Splits an SSE byte stream into the `data` of its events, synchronously, piece by piece. */
export interface SseDataSplitter {
  /** The data of every event completed by `bytes` (comments and blank events dropped). */
  feed(bytes: Uint8Array): readonly string[];
  /** The data of an event left unterminated when the stream ended. */
  end(): readonly string[];
}

const NO_EVENTS: readonly string[] = [];

/**
 * A {@link SseDataSplitter}: one streaming UTF-8 decode per piece (node's StringDecoder, about 4×
 * cheaper per piece than TextDecoder's streaming mode) and eventsource-parser's line scan, with no
 * promise or generator step per event, so a relay handles every event of a piece in one
 * synchronous loop (docs/decisions/0029-lean-relay-and-hooks.md).
 */
export function createSseDataSplitter(): SseDataSplitter {
  let completed: string[] = [];
  const parser = createParser({
    onEvent: (event) => {
      completed.push(event.data);
    },
  });
  const decoder = new StringDecoder('utf8');
  let started = false;
  const take = (): readonly string[] => {
    if (completed.length === 0) return NO_EVENTS;
    const taken = completed;
    completed = [];
    return taken;
  };
  const decode = (text: string): string => {
    if (started || text === '') return text;
    started = true;
    // A leading byte-order mark is not part of the first line (TextDecoder would drop it).
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  };
  return {
    feed(bytes) {
      parser.feed(decode(decoder.write(bytes)));
      return take();
    },
    end() {
      parser.feed(`${decode(decoder.end())}\n\n`);
      return take();
    },
  };
}

/** Resolves once `response` drains (true) or closes (false), leaving no listener behind. */
function drained(response: ServerResponse): Promise<boolean> {
  return new Promise((resolve) => {
    const settle = () => {
      response.off('drain', settle);
      response.off('close', settle);
      resolve(!response.destroyed);
    };
    response.on('drain', settle);
    response.on('close', settle);
  });
}

/**
 * Writes one SSE event. Returns true when written, false if the client is gone, and — only when
 * the socket's buffer is full — a promise of the same answer that settles on `drain`, so a slow
 * client slows the upstream read instead of growing memory. The common case costs no promise:
 * `const written = writeSseEvent(raw, payload); if (written !== true && !(await written)) …`.
 */
export function writeSseEvent(
  response: ServerResponse,
  payload: string,
): boolean | Promise<boolean> {
  if (response.destroyed || response.writableEnded) return false;
  if (response.write(`data: ${payload}\n\n`)) return true;
  return drained(response);
}
