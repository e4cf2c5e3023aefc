import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UpstreamError } from '../../src/errors/gateway-error.js';
import { openAICompatibleAdapter } from '../../src/providers/openai-compatible/openai-compatible-adapter.js';
import { parseOpenAIChatStreamEvent } from '../../src/providers/openai-compatible/parse-openai-stream-event.js';
import type { AdapterSettings } from '../../src/providers/provider-adapter.js';

const settings: AdapterSettings = { providerName: 'OpenAI', apiKey: undefined, headers: undefined };
const parseChat = openAICompatibleAdapter.createStreamParser(settings);
const textCompletions = openAICompatibleAdapter.textCompletions;
if (textCompletions === undefined) throw new Error('the OpenAI adapter serves /completions');
const parseText = textCompletions.createStreamParser(settings);

function assertInvalid(run: () => unknown, detail: string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof UpstreamError);
    assert.equal(error.message, `Provider returned an invalid response: ${detail}`);
    assert.equal(error.retryable, true);
    return true;
  });
}

describe('OpenAI-compatible stream parser', () => {
  test('maps a chat chunk, keeping unknown keys of the choice before the mapped ones', () => {
    const chunk = parseChat(
      JSON.stringify({
        id: 'chatcmpl-1',
        object: 'chat.completion.chunk',
        system_fingerprint: 'fp_1',
        service_tier: 'default',
        choices: [
          { finish_reason: 'end_turn', extra: 1, delta: { content: 'Hé' }, logprobs: null },
          { index: 5, delta: null, finish_reason: null },
        ],
      }),
    );
    assert.notEqual(typeof chunk, 'string');
    if (typeof chunk === 'string') return;
    assert.equal(chunk.upstreamId, 'chatcmpl-1');
    assert.equal(chunk.systemFingerprint, 'fp_1');
    assert.equal(chunk.serviceTier, 'default');
    assert.equal(chunk.usage, null);
    assert.equal(
      JSON.stringify(chunk.choices),
      JSON.stringify([
        {
          extra: 1,
          index: 0,
          delta: { content: 'Hé' },
          finish_reason: 'stop',
          native_finish_reason: 'end_turn',
          logprobs: null,
        },
        { index: 5, delta: {}, finish_reason: null, native_finish_reason: null, logprobs: null },
      ]),
    );
  });

  test('reads usage from the last chunk, and markers and blank events', () => {
    const chunk = parseChat(
      `  {"id":null,"choices":[],"usage":{"prompt_tokens":7,"completion_tokens":3,"prompt_tokens_details":{"cached_tokens":2,"audio_tokens":null},"completion_tokens_details":null,"cost":0.5}}\n`,
    );
    assert.deepEqual(typeof chunk === 'string' ? chunk : chunk.usage, {
      promptTokens: 7,
      completionTokens: 3,
      cachedTokens: 2,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
      completionImageTokens: 0,
      audioPromptTokens: 0,
      reportedCostUsd: 0.5,
    });
    const countless = parseChat('{"choices":null,"usage":{"total_tokens":3}}');
    assert.equal(typeof countless === 'string' ? countless : countless.usage, null);
    assert.equal(parseChat(' [DONE] '), 'done');
    assert.equal(parseChat('  '), 'skip');
  });

  test('maps a text-completion chunk', () => {
    const chunk = parseText('{"choices":[{"text":null,"index":1,"finish_reason":"length"}]}');
    assert.deepEqual(typeof chunk === 'string' ? chunk : chunk.choices, [
      {
        index: 1,
        text: '',
        finish_reason: 'length',
        native_finish_reason: 'length',
        logprobs: null,
      },
    ]);
  });

  test('a choice with only the usual keys maps to the same bytes as one with extra keys', () => {
    // The usual choice takes a path without rest and spread; a choice with any other key keeps
    // those keys first, in their order (an upstream `native_finish_reason` keeps its place and
    // takes the mapped value), as the mapping always did.
    const written = (parse: (data: string) => unknown, choice: string) => {
      const chunk = parse(`{"choices":[${choice}]}`) as 'done' | 'skip' | { choices: unknown };
      return typeof chunk === 'string' ? chunk : JSON.stringify(chunk.choices);
    };
    const cases: Array<[(data: string) => unknown, string, string]> = [
      [
        parseChat,
        '{"index":0,"delta":{"content":"a"},"logprobs":null,"finish_reason":null}',
        '[{"index":0,"delta":{"content":"a"},"finish_reason":null,"native_finish_reason":null,"logprobs":null}]',
      ],
      [
        parseChat,
        '{"finish_reason":"eos","delta":{"content":"a"}}',
        '[{"index":0,"delta":{"content":"a"},"finish_reason":"stop","native_finish_reason":"eos","logprobs":null}]',
      ],
      [
        parseChat,
        '{"native_finish_reason":"x","index":2,"delta":{},"finish_reason":"length"}',
        '[{"native_finish_reason":"length","index":2,"delta":{},"finish_reason":"length","logprobs":null}]',
      ],
      [
        parseChat,
        '{"index":0,"delta":{},"finish_reason":null,"__proto__":{"a":1}}',
        '[{"__proto__":{"a":1},"index":0,"delta":{},"finish_reason":null,"native_finish_reason":null,"logprobs":null}]',
      ],
      [
        parseText,
        '{"text":"t","index":0,"logprobs":{"tokens":["t"]},"finish_reason":"stop"}',
        '[{"index":0,"text":"t","finish_reason":"stop","native_finish_reason":"stop","logprobs":{"tokens":["t"]}}]',
      ],
      [
        parseText,
        '{"text":"t","seed":3,"finish_reason":null}',
        '[{"seed":3,"index":0,"text":"t","finish_reason":null,"native_finish_reason":null,"logprobs":null}]',
      ],
    ];
    for (const [parse, choice, expected] of cases) assert.equal(written(parse, choice), expected);
  });

  test('refuses what is not JSON, and chunks of the wrong shape, as invalid responses', () => {
    assertInvalid(() => parseChat('{"choices": ['), 'malformed stream event');
    const wrongShapes = [
      '[]',
      'null',
      '"text"',
      '{"id":5}',
      '{"system_fingerprint":1}',
      '{"service_tier":{}}',
      '{"choices":{}}',
      '{"choices":[null]}',
      '{"choices":[[]]}',
      '{"choices":[{"index":-1}]}',
      '{"choices":[{"index":1.5}]}',
      '{"choices":[{"index":null}]}',
      '{"choices":[{"finish_reason":3}]}',
      '{"choices":[{"delta":"hi"}]}',
      '{"choices":[{"delta":[]}]}',
      '{"usage":[]}',
      '{"usage":{"prompt_tokens":null}}',
      '{"usage":{"completion_tokens":-1}}',
      '{"usage":{"prompt_tokens_details":{"cached_tokens":"2"}}}',
      '{"usage":{"completion_tokens_details":{"image_tokens":0.5}}}',
      '{"usage":{"completion_tokens_details":[]}}',
      '{"usage":{"cost":"0.1"}}',
      // A chunk of the wrong shape is refused as such, even when it also reports an error.
      '{"error":{"message":"boom"},"choices":[{"index":"0"}]}',
    ];
    for (const data of wrongShapes) {
      assertInvalid(() => parseChat(data), 'not a chat completion chunk');
    }
    assertInvalid(() => parseText('{"choices":[{"text":5}]}'), 'not a text completion chunk');
  });

  test('an error reported mid-stream ends the stream as a non-retryable upstream error', () => {
    const cases: Array<[string, string]> = [
      ['{"error":{"message":"overloaded","code":529}}', 'overloaded'],
      ['{"error":"bad"}', 'Provider returned an error mid-stream'],
    ];
    for (const [data, message] of cases) {
      assert.throws(
        () => parseChat(data),
        (error: unknown) =>
          error instanceof UpstreamError && error.message === message && !error.retryable,
      );
    }
    assert.notEqual(parseChat('{"error":null,"choices":[]}'), 'skip');
  });

  test("a stream's parser reads its content chunks by template, with the same chunks and errors", () => {
    // A stream's parser reads a chunk that is the previous content chunk with another content
    // string without parsing it whole; every event must still come out as the stateless parse
    // (one JSON.parse and the checks per event) makes it, and fail as it fails.
    const envelope = (choices: string, rest = '') =>
      `{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","system_fingerprint":"fp_1",${rest}"choices":${choices},"usage":null}`;
    const content = (token: string) =>
      envelope(`[{"index":0,"delta":{"content":${token}},"logprobs":null,"finish_reason":null}]`);
    const streams: string[][] = [
      [
        envelope('[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]'),
        content('"Hel"'),
        content('"lo \\"wörld\\" \\\\ \\n 👋"'),
        content('""'),
        content('"\\ud800 lone"'),
        content(' "spaced" '),
        content('"\\u00e9 written escaped"'),
        content('"é"'),
        envelope('[{"index":0,"delta":{},"finish_reason":"stop"}]'),
        '{"id":"chatcmpl-1","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4}}',
        '[DONE]',
      ],
      // What follows a template but is not head, one string, tail: parsed whole (and refused
      // when it is not a chunk).
      [
        content('"a"'),
        content('7'),
        content('null'),
        content('{"nested":"x"}'),
        content('"b","role":"assistant"'),
        content('"c" , "role" : "assistant"'),
        content('"d"'),
        envelope(
          '[{"index":0,"delta":{"content":"e"},"logprobs":null,"finish_reason":null}]',
          '"service_tier":"flex",',
        ),
        content('"f"').replace('"id":"chatcmpl-1"', '"id":"chatcmpl-2"'),
        content('"g"').replace('"usage":null', '"usage":{"prompt_tokens":1,"completion_tokens":1}'),
        content('"h"').replace('"usage":null', '"error":{"message":"mid"},"usage":null'),
      ],
      [content('"a"'), content('"unterminated')],
      [content('"a"'), content('"a"').slice(0, -1)],
      [content('"a"'), content('"b"\u0000'), content('"b\u0001c"'), content('"b\tc"')],
      [content('"a"'), content('"b"').replace('"content":"b"', '"content":"b","content":"c"')],
      // The content's string also elsewhere in the text, before or after it: the template
      // must stand on the content's own place, or not be built.
      [
        '{"choices":[{"delta":{"content":"m"}}],"model":"m","id":"x"}',
        '{"choices":[{"delta":{"content":"n"}}],"model":"m","id":"x"}',
        '{"choices":[{"delta":{"content":"m"}}],"model":"n","id":"x"}',
      ],
      [
        '{"choices":[{"delta":{"content":"x"}}],"id":"x"}',
        '{"choices":[{"delta":{"content":"x"}}],"id":"y"}',
        '{"choices":[{"delta":{"content":"y"}}],"id":"x"}',
      ],
      [
        '{"choices":[{"delta":{"content":"a","content":"b"}}]}',
        '{"choices":[{"delta":{"content":"a","content":"c"}}]}',
        '{"choices":[{"delta":{"content":"z","content":"c"}}]}',
      ],
      [
        '{"choices":[{"index":3,"delta":{"content":"a"}}],"service_tier":"default"}',
        '{"choices":[{"index":3,"delta":{"content":"b"}}],"service_tier":"default"}',
        '{"choices":[{"index":3,"delta":{"content":"c"},"finish_reason":null}],"service_tier":"default"}',
      ],
    ];
    const outcome = (parse: (data: string) => unknown, data: string) => {
      try {
        return JSON.stringify(parse(data));
      } catch (error) {
        assert.ok(error instanceof UpstreamError);
        return `${error.message} ${error.retryable} ${JSON.stringify(error.metadata)}`;
      }
    };
    for (const events of streams) {
      const parse = openAICompatibleAdapter.createStreamParser(settings);
      for (const data of events) {
        assert.equal(
          outcome(parse, data),
          outcome((event) => parseOpenAIChatStreamEvent(event, settings), data),
          data,
        );
      }
    }
  });
});
