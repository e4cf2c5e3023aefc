import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ChatCompletionRequest } from '@tollgate/protocol';
import { GatewayError, UpstreamError } from '../../src/errors/gateway-error.js';
import {
  ANTHROPIC_VERSION,
  anthropicAdapter,
  DEFAULT_ANTHROPIC_MAX_TOKENS,
} from '../../src/providers/anthropic/anthropic-adapter.js';
import { mapAnthropicFinishReason } from '../../src/providers/anthropic/map-anthropic-finish-reason.js';
import type { AdapterSettings, UpstreamChunk } from '../../src/providers/provider-adapter.js';
import {
  readAnthropicJson,
  readAnthropicSse,
  sseDataOf,
  toAnthropicSse,
} from '../helpers/anthropic-fixtures.js';

const settings: AdapterSettings = {
  providerName: 'Anthropic',
  apiKey: 'sk-ant-test',
  headers: undefined,
};

type Body = Record<string, unknown> & { messages: Array<{ role: string; content: unknown }> };

function build(request: Partial<ChatCompletionRequest> & Record<string, unknown>) {
  const call = anthropicAdapter.buildChatRequest(
    { model: 'anthropic/claude-test', messages: [{ role: 'user', content: 'Hi' }], ...request },
    'claude-test-1',
    settings,
  );
  return { call, body: JSON.parse(call.body) as Body };
}

function assertInvalidRequest(run: () => unknown, mentions: string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(GatewayError.is(error), 'a GatewayError');
    assert.equal(error.kind, 'invalid_request');
    assert.equal(error.status, 400);
    assert.ok(error.message.includes(mentions), `"${error.message}" mentions ${mentions}`);
    return true;
  });
}

/** Runs a stream's SSE text through a fresh parser until it says `done`. */
async function parseStream(text: string): Promise<{ chunks: UpstreamChunk[]; done: boolean }> {
  const parse = anthropicAdapter.createStreamParser(settings);
  const chunks: UpstreamChunk[] = [];
  for (const data of await sseDataOf(text)) {
    const result = parse(data);
    if (result === 'done') return { chunks, done: true };
    if (result !== 'skip') chunks.push(result);
  }
  return { chunks, done: false };
}

function deltas(chunks: UpstreamChunk[]): Array<Record<string, unknown>> {
  return chunks.flatMap((chunk) => chunk.choices.map((choice) => choice.delta));
}

describe('anthropic request conversion', () => {
  test('posts to /messages with x-api-key, anthropic-version and provider headers', () => {
    const call = anthropicAdapter.buildChatRequest(
      { model: 'anthropic/claude-test', messages: [{ role: 'user', content: 'Hi' }] },
      'claude-test-1',
      { ...settings, headers: { 'anthropic-beta': 'prompt-caching-2024-07-31' } },
    );
    assert.equal(call.path, '/messages');
    assert.equal(call.headers['x-api-key'], 'sk-ant-test');
    assert.equal(call.headers['anthropic-version'], ANTHROPIC_VERSION);
    assert.equal(call.headers['content-type'], 'application/json');
    assert.equal(call.headers['anthropic-beta'], 'prompt-caching-2024-07-31');
    assert.equal(call.headers['authorization'], undefined);
    const keyless = anthropicAdapter.buildChatRequest(
      { model: 'm', messages: [{ role: 'user', content: 'Hi' }] },
      'claude-test-1',
      { ...settings, apiKey: undefined },
    );
    assert.equal(keyless.headers['x-api-key'], undefined);
  });

  test('sends max_completion_tokens, else max_tokens, else the documented default of 4096', () => {
    assert.equal(DEFAULT_ANTHROPIC_MAX_TOKENS, 4096);
    assert.equal(build({}).body['max_tokens'], 4096);
    assert.equal(build({ max_tokens: 300 }).body['max_tokens'], 300);
    assert.equal(build({ max_tokens: 300, max_completion_tokens: 50 }).body['max_tokens'], 50);
  });

  test('maps sampling fields, stop, user and stream, and drops fields Anthropic lacks', () => {
    const { body, call } = build({
      temperature: 0.5,
      top_p: 0.9,
      top_k: 40,
      stop: 'END',
      user: 'user-42',
      stream: true,
      stream_options: { include_usage: true },
      frequency_penalty: 1,
      seed: 7,
      logprobs: true,
      response_format: { type: 'json_object' },
    });
    assert.deepEqual(body, {
      model: 'claude-test-1',
      max_tokens: 4096,
      messages: [{ role: 'user', content: 'Hi' }],
      temperature: 0.5,
      top_p: 0.9,
      top_k: 40,
      stop_sequences: ['END'],
      metadata: { user_id: 'user-42' },
      stream: true,
    });
    assert.equal(call.headers['accept'], 'text/event-stream');
    assert.deepEqual(build({ stop: ['a', 'b'] }).body['stop_sequences'], ['a', 'b']);
    assertInvalidRequest(() => build({ top_k: -1 }), 'top_k');
  });

  test('lifts system and developer messages into the top-level system', () => {
    const single = build({
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Hi' },
      ],
    }).body;
    assert.equal(single['system'], 'You are terse.');
    assert.deepEqual(single.messages, [{ role: 'user', content: 'Hi' }]);

    const several = build({
      messages: [
        {
          role: 'system',
          content: [{ type: 'text', text: 'Long document…', cache_control: { type: 'ephemeral' } }],
        },
        { role: 'user', content: 'Hi' },
        { role: 'developer', content: 'Answer in French.' },
      ],
    }).body;
    assert.deepEqual(several['system'], [
      { type: 'text', text: 'Long document…', cache_control: { type: 'ephemeral' } },
      { type: 'text', text: 'Answer in French.' },
    ]);
    assert.equal(build({}).body['system'], undefined);
  });

  test('converts image parts: data URLs to base64 sources, http(s) URLs to url sources', () => {
    const { body } = build({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare these.' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'low' } },
          ],
        },
      ],
    });
    assert.deepEqual(body.messages[0]?.content, [
      { type: 'text', text: 'Compare these.' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
    ]);
    const ftp = { type: 'image_url' as const, image_url: { url: 'ftp://example.com/cat.jpg' } };
    assertInvalidRequest(
      () => build({ messages: [{ role: 'user', content: [ftp] }] }),
      'messages[0].content[0].image_url',
    );
    const audio = { type: 'input_audio' as const, input_audio: { data: 'AAAA', format: 'wav' } };
    assertInvalidRequest(
      () => build({ messages: [{ role: 'user', content: [audio] }] }),
      'messages[0].content[0].type',
    );
  });

  test('turns tool calls into tool_use and merges consecutive tool results into one user turn', () => {
    const { body } = build({
      messages: [
        { role: 'user', content: 'Weather in Paris and Rome?' },
        {
          role: 'assistant',
          content: 'Checking both.',
          tool_calls: [
            {
              id: 'toolu_1',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
            },
            { id: 'toolu_2', type: 'function', function: { name: 'get_time', arguments: '' } },
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_1', content: '18°C' },
        { role: 'tool', tool_call_id: 'toolu_2', content: [{ type: 'text', text: '14:00' }] },
        { role: 'user', content: 'Thanks!' },
      ],
    });
    assert.deepEqual(body.messages, [
      { role: 'user', content: 'Weather in Paris and Rome?' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking both.' },
          { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'toolu_2', name: 'get_time', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: '18°C' },
          {
            type: 'tool_result',
            tool_use_id: 'toolu_2',
            content: [{ type: 'text', text: '14:00' }],
          },
          { type: 'text', text: 'Thanks!' },
        ],
      },
    ]);
  });

  test('merges consecutive same-role messages and drops empty ones', () => {
    const { body } = build({
      messages: [
        { role: 'user', content: 'First.' },
        { role: 'user', content: [{ type: 'text', text: 'Second.' }] },
        { role: 'assistant', content: 'Reply.' },
        { role: 'assistant', content: '' },
        { role: 'assistant', content: 'More.' },
      ],
    });
    assert.deepEqual(body.messages, [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'First.' },
          { type: 'text', text: 'Second.' },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Reply.' },
          { type: 'text', text: 'More.' },
        ],
      },
    ]);
  });

  test('rejects tool call arguments that are not a JSON object with a 400 naming the message', () => {
    const call = (args: string) => ({
      id: 'toolu_1',
      type: 'function',
      function: { name: 'f', arguments: args },
    });
    const withArguments = (args: string) => () =>
      build({
        messages: [
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: null, tool_calls: [call(args)] },
        ],
      });
    assertInvalidRequest(withArguments('{"city": "Par'), 'messages[1].tool_calls[0]');
    assertInvalidRequest(withArguments('[1, 2]'), 'must be a JSON object');
    assertInvalidRequest(
      () => build({ messages: [{ role: 'tool', content: 'orphan' }] }),
      'messages[0].tool_call_id',
    );
  });

  test('maps function tools and every tool_choice form', () => {
    const tools = [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Current weather',
          parameters: { type: 'object', properties: { city: { type: 'string' } } },
        },
      },
      { type: 'function', function: { name: 'now' } },
    ];
    const { body } = build({ tools });
    assert.deepEqual(body['tools'], [
      {
        name: 'get_weather',
        description: 'Current weather',
        input_schema: { type: 'object', properties: { city: { type: 'string' } } },
      },
      { name: 'now', input_schema: { type: 'object', properties: {} } },
    ]);
    assert.equal(body['tool_choice'], undefined);
    const choice = (toolChoice: unknown, extra: Record<string, unknown> = {}) =>
      build({ tools, tool_choice: toolChoice, ...extra }).body['tool_choice'];
    assert.deepEqual(choice('auto'), { type: 'auto' });
    assert.deepEqual(choice('none'), { type: 'none' });
    assert.deepEqual(choice('required'), { type: 'any' });
    assert.deepEqual(choice({ type: 'function', function: { name: 'now' } }), {
      type: 'tool',
      name: 'now',
    });
    assert.deepEqual(choice('required', { parallel_tool_calls: false }), {
      type: 'any',
      disable_parallel_tool_use: true,
    });
    assert.deepEqual(choice(undefined, { parallel_tool_calls: false }), {
      type: 'auto',
      disable_parallel_tool_use: true,
    });
    assertInvalidRequest(() => choice('sometimes'), 'tool_choice');
    assertInvalidRequest(() => build({ tools: [{ type: 'web_search' }] }), 'tools[0].type');
    assert.equal(build({ tool_choice: 'auto' }).body['tool_choice'], undefined);
  });
});

describe('anthropic response conversion', () => {
  test('joins text blocks into content and reports usage, id and service tier', () => {
    const completion = anthropicAdapter.parseChatResponse(
      readAnthropicJson('message-text'),
      settings,
    );
    assert.equal(completion.upstreamId, 'msg_01XFDUDYJgAACzvnptvVoYEL');
    assert.equal(completion.serviceTier, 'standard');
    assert.deepEqual(completion.choices, [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: 'Hello! How can I help you today?',
          refusal: null,
          reasoning: null,
        },
        finish_reason: 'stop',
        native_finish_reason: 'end_turn',
        logprobs: null,
      },
    ]);
    assert.deepEqual(completion.usage, {
      promptTokens: 12,
      completionTokens: 11,
      cachedTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
      completionImageTokens: 0,
      audioPromptTokens: 0,
      reportedCostUsd: null,
    });
  });

  test('maps thinking to reasoning and tool_use blocks to tool_calls', () => {
    const completion = anthropicAdapter.parseChatResponse(
      readAnthropicJson('message-tool-use'),
      settings,
    );
    const [choice] = completion.choices;
    assert.equal(choice?.finish_reason, 'tool_calls');
    assert.equal(choice?.native_finish_reason, 'tool_use');
    assert.equal(
      choice?.message.content,
      "I'll check the current weather in San Francisco for you.",
    );
    assert.equal(
      choice?.message.reasoning,
      'The user wants the weather in San Francisco. I should call get_weather.',
    );
    assert.deepEqual(choice?.message.tool_calls, [
      {
        id: 'toolu_01A09q90qw90lq917835lq9',
        type: 'function',
        function: {
          name: 'get_weather',
          arguments: '{"location":"San Francisco, CA","unit":"celsius"}',
        },
      },
    ]);
  });

  test('counts cache reads and writes into prompt tokens, as OpenRouter does', () => {
    const { usage } = anthropicAdapter.parseChatResponse(
      readAnthropicJson('message-cache-usage'),
      settings,
    );
    // input_tokens 100 excludes the 5000 read and 2000 written: the prompt was 7100 tokens.
    assert.equal(usage?.promptTokens, 7100);
    assert.equal(usage?.cachedTokens, 5000);
    assert.equal(usage?.cacheWriteTokens, 2000);
    assert.equal(usage?.completionTokens, 300);
    assert.equal(usage?.reasoningTokens, 0);
  });

  test('rejects a body that is not a message as a retryable upstream error', () => {
    assert.throws(
      () => anthropicAdapter.parseChatResponse({ choices: [] }, settings),
      (error: unknown) =>
        error instanceof UpstreamError && error.kind === 'upstream_error' && error.retryable,
    );
  });

  test('normalizes every documented stop reason and keeps unknown ones', () => {
    const expected = {
      end_turn: 'stop',
      stop_sequence: 'stop',
      max_tokens: 'length',
      model_context_window_exceeded: 'length',
      tool_use: 'tool_calls',
      pause_turn: 'stop',
      refusal: 'content_filter',
      something_new: 'something_new',
    };
    for (const [native, finish] of Object.entries(expected)) {
      assert.equal(mapAnthropicFinishReason(native), finish, native);
    }
    assert.equal(mapAnthropicFinishReason(null), null);
  });
});

describe('anthropic stream conversion', () => {
  test('translates thinking, text and tool_use events and ends at message_stop', async () => {
    const { chunks, done } = await parseStream(readAnthropicSse('stream-thinking-tool-use'));
    assert.ok(done);
    const all = deltas(chunks);
    assert.deepEqual(all[0], { role: 'assistant', content: '' });
    const text = (key: string) =>
      all.map((delta) => (typeof delta[key] === 'string' ? delta[key] : '')).join('');
    assert.equal(
      text('reasoning'),
      'The user asks about Paris weather. I should call get_weather.',
    );
    assert.equal(text('content'), 'Let me check the weather in Paris.');
    type ToolCallDelta = { index: number; function: { arguments: string } };
    const calls = all.flatMap((delta) => (delta['tool_calls'] ?? []) as ToolCallDelta[]);
    assert.deepEqual(calls[0], {
      index: 0,
      id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6',
      type: 'function',
      function: { name: 'get_weather', arguments: '' },
    });
    assert.ok(calls.every((call) => call.index === 0));
    const args = calls.map((call) => call.function.arguments).join('');
    assert.deepEqual(JSON.parse(args), { location: 'Paris, France' });
    assert.ok(chunks.every((chunk) => chunk.upstreamId === 'msg_014p7gG3wDgGV9EUtLvnow3U'));
  });

  test('puts the finish reason and the complete usage on the message_delta chunk only', async () => {
    const { chunks } = await parseStream(readAnthropicSse('stream-thinking-tool-use'));
    const withUsage = chunks.filter((chunk) => chunk.usage !== null);
    assert.equal(withUsage.length, 1);
    const last = chunks.at(-1);
    assert.equal(withUsage[0], last);
    assert.equal(last?.choices[0]?.finish_reason, 'tool_calls');
    assert.equal(last?.choices[0]?.native_finish_reason, 'tool_use');
    assert.deepEqual(last?.usage, {
      promptTokens: 4050,
      completionTokens: 120,
      cachedTokens: 0,
      cacheWriteTokens: 4000,
      reasoningTokens: 0,
      completionImageTokens: 0,
      audioPromptTokens: 0,
      reportedCostUsd: null,
    });
  });

  test('keeps message_start input counts when message_delta reports only output tokens', async () => {
    const stream = toAnthropicSse([
      {
        type: 'message_start',
        message: {
          id: 'msg_1',
          usage: { input_tokens: 25, cache_read_input_tokens: 1000, output_tokens: 1 },
        },
      },
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'some_future_event', detail: true },
      {
        type: 'content_block_start',
        index: 1,
        content_block: { type: 'tool_use', id: 'a', name: 'f', input: {} },
      },
      {
        type: 'content_block_start',
        index: 2,
        content_block: { type: 'tool_use', id: 'b', name: 'g', input: {} },
      },
      { type: 'message_delta', delta: { stop_reason: 'max_tokens' }, usage: { output_tokens: 15 } },
      { type: 'message_stop' },
    ]);
    const { chunks, done } = await parseStream(stream);
    assert.ok(done);
    const indexes = deltas(chunks)
      .flatMap((delta) => (delta['tool_calls'] ?? []) as Array<{ index: number }>)
      .map((call) => call.index);
    assert.deepEqual(indexes, [0, 1]);
    const last = chunks.at(-1);
    assert.equal(last?.choices[0]?.finish_reason, 'length');
    assert.equal(last?.usage?.promptTokens, 1025);
    assert.equal(last?.usage?.cachedTokens, 1000);
    assert.equal(last?.usage?.completionTokens, 15);
  });

  test('throws a non-retryable 529 when an overloaded_error event arrives mid-stream', async () => {
    await assert.rejects(parseStream(readAnthropicSse('stream-overloaded-error')), (error) => {
      assert.ok(error instanceof UpstreamError);
      assert.equal(error.kind, 'provider_overloaded');
      assert.equal(error.status, 529);
      assert.equal(error.retryable, false);
      assert.equal(error.message, 'Overloaded');
      return true;
    });
  });

  test('rejects a malformed event as an upstream error', () => {
    const parse = anthropicAdapter.createStreamParser(settings);
    assert.throws(() => parse('{"type":"content_block_delta"'), UpstreamError);
    assert.throws(() => parse('{"type":"content_block_delta","index":"x"}'), UpstreamError);
    assert.equal(parse('{"type":"ping"}'), 'skip');
  });
});

describe('anthropic error mapping', () => {
  test('maps a 529 overloaded body to provider_overloaded with the upstream message', () => {
    const body = JSON.stringify(readAnthropicJson('error-overloaded'));
    const error = anthropicAdapter.toUpstreamError(529, body, {}, settings);
    assert.equal(error.kind, 'provider_overloaded');
    assert.equal(error.status, 529);
    assert.equal(error.retryable, true);
    assert.equal(error.message, 'Overloaded');
    assert.equal(error.metadata?.['provider_name'], 'Anthropic');
  });

  test('keeps a 400 as invalid_request and passes retry-after on a 429', () => {
    const body = JSON.stringify(readAnthropicJson('error-invalid-request'));
    const invalid = anthropicAdapter.toUpstreamError(400, body, {}, settings);
    assert.equal(invalid.kind, 'invalid_request');
    assert.equal(invalid.retryable, false);
    assert.match(invalid.message, /roles must alternate/);
    const limited = anthropicAdapter.toUpstreamError(
      429,
      '{"type":"error","error":{"type":"rate_limit_error","message":"Slow down"}}',
      { 'retry-after': '7' },
      settings,
    );
    assert.equal(limited.kind, 'rate_limited');
    assert.deepEqual(limited.headers, { 'retry-after': '7' });
    const opaque = anthropicAdapter.toUpstreamError(502, '<html>Bad gateway</html>', {}, settings);
    assert.equal(opaque.kind, 'upstream_error');
    assert.equal(opaque.message, 'Provider returned error');
  });
});
