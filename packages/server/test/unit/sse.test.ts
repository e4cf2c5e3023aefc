import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { describe, test } from 'node:test';
import { createSseDataSplitter, writeSseEvent } from '../../src/streaming/sse.js';

const encoder = new TextEncoder();

/** Every event's data when `text` arrives cut at each of `cuts` (byte offsets). */
function split(text: string, cuts: number[]): string[] {
  const bytes = encoder.encode(text);
  const splitter = createSseDataSplitter();
  const events: string[] = [];
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    events.push(...splitter.feed(bytes.subarray(start, cut)));
    start = cut;
  }
  events.push(...splitter.end());
  return events;
}

describe('SSE data splitter', () => {
  const stream =
    '\ufeff: comment\r\ndata: {"a":"é🚀"}\r\n\r\nevent: ping\ndata:x\ndata: y\n\nid: 1\n\ndata: {"b":1}\r\rdata: [DONE]';
  const expected = ['{"a":"é🚀"}', 'x\ny', '{"b":1}', '[DONE]'];

  test('yields the data of each event, whatever the line endings, and a last unterminated one', () => {
    assert.deepEqual(split(stream, []), expected);
  });

  test('gives the same events whatever byte boundaries the stream arrives in', () => {
    const length = encoder.encode(stream).length;
    for (let cut = 0; cut <= length; cut += 1) {
      assert.deepEqual(split(stream, [cut]), expected, `cut at byte ${cut}`);
    }
    const everyByte = Array.from({ length }, (_, index) => index);
    assert.deepEqual(split(stream, everyByte), expected);
  });
});

describe('writeSseEvent', () => {
  test('answers true at once, a promise only when the buffer is full, false once the client is gone', async () => {
    const responses: ServerResponse[] = [];
    const server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      responses.push(response);
      server.emit('streaming');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    // A client that sends its request, then never reads: the socket's buffers fill up.
    const client = connect(port, '127.0.0.1', () => {
      client.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n');
      client.pause();
    });
    await once(server, 'streaming');
    const raw = responses[0] as ServerResponse;
    assert.equal(writeSseEvent(raw, '{"n":1}'), true);
    const closeListeners = raw.listenerCount('close');
    const big = 'x'.repeat(64 * 1024);
    let written: boolean | Promise<boolean> = true;
    for (let count = 0; count < 10_000 && written === true; count += 1) {
      written = writeSseEvent(raw, big);
    }
    assert.ok(written instanceof Promise, 'a full buffer makes the writer wait');
    client.destroy();
    // The socket drains (its buffer dropped), then closes: the wait ends on whichever comes first.
    await written;
    assert.equal(raw.listenerCount('drain'), 0, 'no drain listener left behind');
    assert.equal(raw.listenerCount('close'), closeListeners, 'no close listener left behind');
    if (!raw.destroyed) await once(raw, 'close');
    assert.equal(writeSseEvent(raw, '{}'), false, 'nothing is written once the client is gone');
    server.close();
  });
});
