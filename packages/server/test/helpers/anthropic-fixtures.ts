/**
 * Loads the Anthropic Messages API fixtures kept in `src/providers/anthropic/__fixtures__/`
 * (`*.jsonc` response bodies, `*.sse` streams as the bytes arrive) and builds streams in
 * Anthropic's framing (`event: <type>` + `data: <json>`), which the fake upstream's `sse` reply
 * (data lines only) cannot write.
 */
import { readFileSync } from 'node:fs';
import { createSseDataSplitter } from '../../src/streaming/sse.js';

const FIXTURES = new URL('../../src/providers/anthropic/__fixtures__/', import.meta.url);

/** A `.jsonc` fixture parsed (its leading `//` header comment removed). */
export function readAnthropicJson(name: string): unknown {
  const text = readFileSync(new URL(`${name}.jsonc`, FIXTURES), 'utf8');
  const body = text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('//'))
    .join('\n');
  return JSON.parse(body);
}

/** A `.sse` fixture as raw text, ready to be served verbatim as `text/event-stream`. */
export function readAnthropicSse(name: string): string {
  return readFileSync(new URL(`${name}.sse`, FIXTURES), 'utf8');
}

/** Serializes events as Anthropic frames them: an `event:` line, then the `data:` line. */
export function toAnthropicSse(
  events: ReadonlyArray<{ type: string; [key: string]: unknown }>,
): string {
  return events.map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`).join('');
}

/** The `data:` payloads of an SSE text, split by the gateway's own SSE reader. */
export async function sseDataOf(text: string): Promise<string[]> {
  // Split mid-line on purpose: the reader must reassemble events across network chunks.
  const encoded = new TextEncoder().encode(text);
  const splitter = createSseDataSplitter();
  const data: string[] = [];
  for (let offset = 0; offset < encoded.length; offset += 97) {
    data.push(...splitter.feed(encoded.subarray(offset, offset + 97)));
  }
  data.push(...splitter.end());
  return data;
}
