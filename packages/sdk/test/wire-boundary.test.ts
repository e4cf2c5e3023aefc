/**
 * The wire boundary on its own: key conversion both ways (user data under opaque keys left
 * alone) and SSE framing (CRLF, comments, multi-line data, events split across reads).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fromWire, toWire } from '../src/lib/case.js';
import { parseSseData } from '../src/lib/event-stream.js';

function streamOf(parts: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const part of parts) controller.enqueue(encoder.encode(part));
      controller.close();
    },
  });
}

async function collect(parts: string[]): Promise<string[]> {
  const payloads: string[] = [];
  for await (const data of parseSseData(streamOf(parts))) payloads.push(data);
  return payloads;
}

describe('key conversion', () => {
  test('camelCases wire keys deeply, keeping extra fields and values', () => {
    const wire = {
      total_cost: 1,
      provider_responses: [{ endpoint_id: 'e', is_byok: false }],
      uptime_last_30m: 0.5,
      extra_field: { nested_key: 'snake_value' },
    };
    assert.deepEqual(fromWire(wire), {
      totalCost: 1,
      providerResponses: [{ endpointId: 'e', isByok: false }],
      uptimeLast30m: 0.5,
      extraField: { nestedKey: 'snake_value' },
    });
  });

  test('snake_cases requests, leaving JSON Schemas and metadata untouched', () => {
    const request = {
      maxTokens: 5,
      stream_options: { includeUsage: true },
      tools: [
        {
          type: 'function',
          function: { name: 'f', parameters: { properties: { firstName: { type: 'string' } } } },
        },
      ],
      metadata: { userId: 'u' },
    };
    assert.deepEqual(toWire(request), {
      max_tokens: 5,
      stream_options: { include_usage: true },
      tools: [
        {
          type: 'function',
          function: { name: 'f', parameters: { properties: { firstName: { type: 'string' } } } },
        },
      ],
      metadata: { userId: 'u' },
    });
  });
});

describe('SSE framing', () => {
  test('yields data payloads, skipping comments and joining multi-line data', async () => {
    assert.deepEqual(
      await collect([
        ': OPENROUTER PROCESSING\n\n',
        'data: {"a":1}\n\n',
        'data: x\ndata: y\n\n',
        'data: [DONE]\n\n',
      ]),
      ['{"a":1}', 'x\ny', '[DONE]'],
    );
  });

  test('does not mistake a CRLF split across reads for the end of an event', async () => {
    assert.deepEqual(await collect(['data: x\r', '\ndata: y\r\n\r\n']), ['x\ny']);
  });

  test('handles CRLF, events split across reads and a last event without a blank line', async () => {
    assert.deepEqual(await collect(['data: {"a"', ':1}\r\n\r', '\ndata:tight\r\n\r\ndata: end']), [
      '{"a":1}',
      'tight',
      'end',
    ]);
  });
});
