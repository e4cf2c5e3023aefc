import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type ChunkEnvelope, createChunkWriter } from '../../src/streaming/chunk-writer.js';

const ENVELOPES: ChunkEnvelope[] = [
  {
    id: 'gen-1733529600-AbCdEf',
    provider: 'OpenAI',
    model: 'openai/gpt-4o',
    object: 'chat.completion.chunk',
    created: 1733529600,
  },
  {
    id: 'gen-"quoted"\\back',
    provider: 'Prövider \u2028 «ü» 🚀',
    model: 'acme/"model"\n\ttab\u0000\ud800lone',
    object: 'text_completion',
    created: 0,
  },
];

const CHOICES: unknown[][] = [
  [],
  [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null, logprobs: null }],
  [
    {
      extra: { nested: [1, 'two', null] },
      index: 1,
      delta: { content: 'héllo "wörld" 👋\n', tool_calls: [{ id: 'c', function: { name: 'f' } }] },
      finish_reason: 'stop',
      native_finish_reason: 'end_turn',
      logprobs: null,
    },
    { index: 2, text: '\u2028\u2029</script>', finish_reason: null, skipped: undefined },
  ],
];

const FINGERPRINTS = [null, 'fp_44709d6fcb', 'fp "quoted" ✓', ''];

/** What relays wrote before the writer: the chunk object spread and stringified whole. */
function reference(envelope: ChunkEnvelope, fingerprint: string | null, rest: object): string {
  const head: Record<string, unknown> = { ...envelope };
  if (fingerprint !== null) head['system_fingerprint'] = fingerprint;
  return JSON.stringify({ ...head, ...rest });
}

describe('createChunkWriter', () => {
  test('a choices chunk is byte for byte JSON.stringify of the whole chunk', () => {
    for (const envelope of ENVELOPES) {
      const writer = createChunkWriter(envelope);
      // Fingerprints change and come back within one stream: each chunk must carry its own.
      for (const fingerprint of [...FINGERPRINTS, ...FINGERPRINTS.toReversed()]) {
        for (const choices of CHOICES) {
          const written = writer.choices(choices, fingerprint);
          assert.equal(written, reference(envelope, fingerprint, { choices }));
          assert.doesNotThrow(() => JSON.parse(written));
        }
      }
    }
  });

  test('choices shaped as the parsers build them are written key by key, byte for byte the same', () => {
    // The parsers' shape (index, delta | text, finish_reason, native_finish_reason, logprobs) is
    // written without JSON.stringify of the whole choice; anything else falls back to it.
    class Choice {
      index = 0;
      delta = { content: 'x' };
      finish_reason = null;
      native_finish_reason = null;
      logprobs = null;
      toJSON() {
        return { replaced: true };
      }
    }
    const bare = Object.assign(Object.create(null) as object, {
      index: 0,
      delta: {},
      finish_reason: null,
      native_finish_reason: null,
      logprobs: null,
    });
    const shaped = (fields: Record<string, unknown>) => ({
      index: 0,
      delta: { content: 'hi' },
      finish_reason: null,
      native_finish_reason: null,
      logprobs: null,
      ...fields,
    });
    const text = (fields: Record<string, unknown>) => ({
      index: 0,
      text: 'hi',
      finish_reason: null,
      native_finish_reason: null,
      logprobs: null,
      ...fields,
    });
    const cases: unknown[][] = [
      [shaped({})],
      [shaped({ delta: { role: 'assistant', content: '' } })],
      [shaped({ delta: { content: 'héllo "wörld" 👋\n\u0000\ud800 \u2028</script>' } })],
      [
        shaped({
          delta: { tool_calls: [{ index: 0, id: 'c"1', function: { arguments: '{"a":1}' } }] },
        }),
      ],
      [shaped({ index: 7, finish_reason: 'stop', native_finish_reason: 'end_turn' })],
      [shaped({ finish_reason: 'we"ird\\', native_finish_reason: 'we"ird\\' })],
      [shaped({ logprobs: { content: [{ token: 'a', logprob: -0.25, bytes: [97] }] } })],
      [shaped({ index: 1e21, delta: {} }), shaped({ index: -0 })],
      [
        shaped({ delta: null }),
        shaped({ index: 2 }),
        shaped({ index: 3, delta: { content: 'c' } }),
      ],
      [
        text({}),
        text({ text: 'a\u2029"b"', finish_reason: 'length', native_finish_reason: 'length' }),
      ],
      // Not the shape: JSON.stringify whole (a dropped field, a key out of order or added, a
      // prototype, a toJSON, a value JSON.stringify leaves out, an array, not an object).
      [shaped({ logprobs: undefined })],
      [shaped({ delta: undefined })],
      [shaped({ native_finish_reason: () => 'x' })],
      [shaped({ index: Number.NaN }), shaped({ index: Number.POSITIVE_INFINITY })],
      [{ delta: {}, index: 0, finish_reason: null, native_finish_reason: null, logprobs: null }],
      [shaped({ extra: 1 })],
      [{ index: 0, delta: {}, finish_reason: null, native_finish_reason: null }],
      [shaped({}), new Choice(), bare],
      [shaped({ delta: { toJSON: 'not a function' } })],
      [shaped({}), undefined, null, 'text', 3, [1, 2]],
    ];
    for (const envelope of ENVELOPES) {
      const writer = createChunkWriter(envelope);
      for (const fingerprint of FINGERPRINTS) {
        for (const choices of cases) {
          assert.equal(
            writer.choices(choices, fingerprint),
            reference(envelope, fingerprint, { choices }),
          );
        }
      }
    }
  });

  test('the usage chunk puts usage after the empty choices', () => {
    const usages: unknown[] = [
      { prompt_tokens: 12, completion_tokens: 34, total_tokens: 46, cost: 0.000123 },
      { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cost: 0, is_byok: false },
      null,
      undefined,
    ];
    for (const envelope of ENVELOPES) {
      const writer = createChunkWriter(envelope);
      for (const fingerprint of FINGERPRINTS) {
        for (const usage of usages) {
          assert.equal(
            writer.usage(usage, fingerprint),
            reference(envelope, fingerprint, { choices: [], usage }),
          );
        }
      }
    }
  });

  test('the error chunk carries the error before its one choice', () => {
    const errors: unknown[] = [
      { code: 502, message: 'Upstream "died"', metadata: { provider_name: 'Ü' } },
      { code: 500, message: 'x', metadata: null },
      undefined,
    ];
    const errorChoices: unknown[] = [
      { index: 0, delta: { content: '' }, finish_reason: 'error' },
      { index: 0, text: '', finish_reason: 'error' },
      undefined,
    ];
    for (const envelope of ENVELOPES) {
      const writer = createChunkWriter(envelope);
      for (const fingerprint of FINGERPRINTS) {
        for (const error of errors) {
          for (const errorChoice of errorChoices) {
            assert.equal(
              writer.error(error, errorChoice, fingerprint),
              reference(envelope, fingerprint, { error, choices: [errorChoice] }),
            );
          }
        }
      }
    }
  });
});
