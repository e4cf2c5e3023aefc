/**
 * A stream the client cancels is billed for what it relayed, even when the upstream reported a
 * usage before its stream finished: Gemini sends a running `usageMetadata` with every chunk (its
 * first one, in the fixture, with the prompt count only), and some OpenAI-compatible upstreams put
 * a usage with `completion_tokens: 0` on their first chunk. Taken as final, that count made the
 * record's completion 0, and zero-completion insurance waived the whole charge ($0 for a stream
 * whose text reached the client).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { streamEvents } from '../../src/providers/gemini/__fixtures__/gemini-responses.js';
import type { FakeReply } from '../helpers/fake-upstream.js';
import { nextCommit, openStreamUntil } from '../helpers/http.js';
import { openAIStreamEvents } from '../helpers/openai-fixtures.js';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

const PRICING = { prompt: '0.00000125', completion: '0.00001' };

function config(url: string): unknown {
  return {
    providers: [
      { name: 'Google', kind: 'gemini', base_url: `${url}/v1beta`, api_key: 'g-test' },
      { name: 'Acme', kind: 'openai', base_url: `${url}/v1`, api_key: 'sk-test' },
    ],
    models: [
      {
        id: 'google/gemini-test',
        endpoints: [{ provider: 'Google', model: 'gemini-test-1', pricing: PRICING }],
      },
      {
        id: 'acme/early-usage',
        endpoints: [{ provider: 'Acme', model: 'early-usage-1', pricing: PRICING }],
      },
    ],
  };
}

/** A stream held after its first event: the client cancels while the rest never comes. */
function heldAfterFirst(events: Extract<FakeReply, { kind: 'sse' }>): FakeReply {
  return { ...events, gate: new Promise(() => undefined), gateAfter: 1 };
}

describe('a cancelled stream is billed for what it relayed, not from an early usage', () => {
  let harness: TestGateway;
  before(async () => {
    harness = await startTestGateway({ config });
  });
  after(() => harness.close());

  const openAIFirst = openAIStreamEvents({
    contents: ['Sure. The first three primes are 2, 3, 5.'],
  });
  const cases = [
    {
      name: 'Gemini (a running usageMetadata on every chunk)',
      model: 'google/gemini-test',
      path: '/v1beta/models/gemini-test-1:streamGenerateContent',
      reply: heldAfterFirst({ kind: 'sse', events: [...streamEvents] }),
    },
    {
      name: 'OpenAI-compatible (a usage with completion 0 on the first chunk)',
      model: 'acme/early-usage',
      path: '/v1/chat/completions',
      // The content chunk first, carrying a usage that counts the prompt only.
      reply: heldAfterFirst({
        kind: 'sse',
        events: [
          {
            ...(openAIFirst[1] as object),
            usage: { prompt_tokens: 9, completion_tokens: 0, total_tokens: 9 },
          },
          ...openAIFirst.slice(2),
        ],
      }),
    },
  ];
  for (const { name, model, path, reply } of cases) {
    test(name, async () => {
      harness.upstream.route(path, reply);
      const committed = nextCommit(harness.gateway, (row) => row.model === model);
      const stream = await openStreamUntil(
        harness.apiUrl,
        harness.key,
        {
          model,
          messages: [{ role: 'user', content: 'Name the first three primes.' }],
          stream: true,
        },
        '"delta"',
      );
      stream.abandon();
      const record = JSON.parse((await committed).record) as Record<string, unknown>;
      assert.equal(record['cancelled'], true);
      assert.ok((record['tokens_completion'] as number) > 0, 'text was relayed');
      assert.notEqual(record['cost_status'], 'insured');
      assert.ok((record['usage'] as number) > 0, `billed ${String(record['usage'])}`);
    });
  }
});
