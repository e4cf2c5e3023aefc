import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ChatCompletionRequest, ChatMessage } from '@tollgate/protocol';
import { GatewayError, UpstreamError } from '../../src/errors/gateway-error.js';
import {
  blockedPromptResponse,
  cachedResponse,
  cachedThinkingResponse,
  functionCallResponse,
  invalidArgumentError,
  invalidKeyError,
  maxTokensResponse,
  overloadedError,
  quotaExceededError,
  streamEvents,
  streamToolCallEvents,
  textResponse,
  thoughtsResponse,
} from '../../src/providers/gemini/__fixtures__/gemini-responses.js';
import { geminiAdapter } from '../../src/providers/gemini/gemini-adapter.js';
import { mapGeminiFinishReason } from '../../src/providers/gemini/map-gemini-finish-reason.js';
import type { AdapterSettings, UpstreamChunk } from '../../src/providers/provider-adapter.js';

const settings: AdapterSettings = {
  providerName: 'Google AI Studio',
  apiKey: 'g-key',
  headers: undefined,
};

function chatRequest(fields: Partial<ChatCompletionRequest>): ChatCompletionRequest {
  return { model: 'google/gemini', messages: [{ role: 'user', content: 'Hi' }], ...fields };
}

/** The JSON body the adapter would send for a request. */
function bodyFor(fields: Partial<ChatCompletionRequest>, model = 'gemini-2.5-flash') {
  const call = geminiAdapter.buildChatRequest(chatRequest(fields), model, settings);
  return JSON.parse(call.body) as Record<string, unknown>;
}

function invalidRequest(pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(GatewayError.is(error), 'a GatewayError');
    assert.equal(error.kind, 'invalid_request');
    assert.equal(error.status, 400);
    assert.match(error.message, pattern);
    return true;
  };
}

function parseStream(events: readonly unknown[]): UpstreamChunk[] {
  const parse = geminiAdapter.createStreamParser(settings);
  return events.map((event) => {
    const chunk = parse(JSON.stringify(event));
    assert.ok(typeof chunk === 'object', 'every Gemini event is a chunk');
    return chunk;
  });
}

describe('gemini adapter: the upstream call', () => {
  test('posts to models/{model}:generateContent with x-goog-api-key and no bearer token', () => {
    const call = geminiAdapter.buildChatRequest(chatRequest({}), 'gemini-2.5-flash', {
      ...settings,
      headers: { 'x-extra': '1' },
    });
    assert.equal(call.path, '/models/gemini-2.5-flash:generateContent');
    assert.equal(call.headers['x-goog-api-key'], 'g-key');
    assert.equal(call.headers['authorization'], undefined);
    assert.equal(call.headers['content-type'], 'application/json');
    assert.equal(call.headers['x-extra'], '1');
  });

  test('streams from :streamGenerateContent?alt=sse', () => {
    const call = geminiAdapter.buildChatRequest(
      chatRequest({ stream: true }),
      'gemini-2.5-flash',
      settings,
    );
    assert.equal(call.path, '/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    assert.equal(call.headers['accept'], 'text/event-stream');
  });

  test('uses a full resource name (tuned models) as it is', () => {
    const call = geminiAdapter.buildChatRequest(chatRequest({}), 'tunedModels/my-tune', settings);
    assert.equal(call.path, '/tunedModels/my-tune:generateContent');
  });

  test('sends no gateway-only or unmapped fields', () => {
    const body = bodyFor({ models: ['a/b'], usage: { include: true }, user: 'u-1' });
    assert.deepEqual(Object.keys(body), ['contents']);
  });
});

describe('gemini adapter: messages to contents', () => {
  test('hoists system and developer messages into systemInstruction and renames roles', () => {
    const body = bodyFor({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
        { role: 'user', content: 'Hello' },
        { role: 'assistant', content: 'Bonjour' },
        { role: 'user', content: 'Ça va ?' },
      ],
    });
    assert.deepEqual(body['systemInstruction'], {
      parts: [{ text: 'Be brief.' }, { text: 'Answer in French.' }],
    });
    assert.deepEqual(body['contents'], [
      { role: 'user', parts: [{ text: 'Hello' }] },
      { role: 'model', parts: [{ text: 'Bonjour' }] },
      { role: 'user', parts: [{ text: 'Ça va ?' }] },
    ]);
  });

  test('merges consecutive turns of one role', () => {
    const body = bodyFor({
      messages: [
        { role: 'user', content: 'One' },
        { role: 'user', content: 'Two' },
      ],
    });
    assert.deepEqual(body['contents'], [
      { role: 'user', parts: [{ text: 'One' }, { text: 'Two' }] },
    ]);
  });

  test('sends a prompt of system messages alone as a user turn', () => {
    const body = bodyFor({ messages: [{ role: 'system', content: 'Write a haiku.' }] });
    assert.deepEqual(body['contents'], [{ role: 'user', parts: [{ text: 'Write a haiku.' }] }]);
    assert.equal(body['systemInstruction'], undefined);
  });

  test('sends data: URLs inline and http(s) URLs by reference', () => {
    const body = bodyFor({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare these.' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.JPG?size=2' } },
            { type: 'image_url', image_url: 'https://example.com/render' },
            { type: 'file', file: { filename: 'spec.pdf', file_data: 'https://x.test/f/1' } },
            { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=' } },
            { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } },
          ],
        },
      ],
    });
    assert.deepEqual(body['contents'], [
      {
        role: 'user',
        parts: [
          { text: 'Compare these.' },
          { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
          { fileData: { fileUri: 'https://example.com/cat.JPG?size=2', mimeType: 'image/jpeg' } },
          { fileData: { fileUri: 'https://example.com/render' } },
          { fileData: { fileUri: 'https://x.test/f/1', mimeType: 'application/pdf' } },
          { inlineData: { mimeType: 'application/pdf', data: 'JVBERi0=' } },
          { inlineData: { mimeType: 'audio/wav', data: 'UklGRg==' } },
        ],
      },
    ]);
  });

  test('turns assistant tool calls into functionCall parts and tool results into functionResponse', () => {
    const body = bodyFor({
      messages: [
        { role: 'user', content: 'Weather and time in Paris?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_a',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"location":"Paris"}' },
            },
            { id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_a', content: '18°C, cloudy' },
        { role: 'tool', tool_call_id: 'call_b', content: [{ type: 'text', text: '14:05' }] },
      ],
    });
    assert.deepEqual(body['contents'], [
      { role: 'user', parts: [{ text: 'Weather and time in Paris?' }] },
      {
        role: 'model',
        parts: [
          { functionCall: { name: 'get_weather', args: { location: 'Paris' } } },
          { functionCall: { name: 'get_time', args: {} } },
        ],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'get_weather', response: { content: '18°C, cloudy' } } },
          { functionResponse: { name: 'get_time', response: { content: '14:05' } } },
        ],
      },
    ]);
  });

  test('rejects tool call arguments that are not JSON, naming the message', () => {
    const messages: ChatMessage[] = [
      { role: 'user', content: 'Hi' },
      {
        role: 'assistant',
        tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{oops' } }],
      },
    ];
    assert.throws(
      () => bodyFor({ messages }),
      invalidRequest(/messages\[1\]\.tool_calls\[0\]\.function\.arguments: is not valid JSON/),
    );
  });

  test('rejects a tool result whose call id no earlier message made', () => {
    const messages: ChatMessage[] = [
      { role: 'user', content: 'Hi' },
      { role: 'tool', tool_call_id: 'call_missing', content: 'x' },
    ];
    assert.throws(() => bodyFor({ messages }), invalidRequest(/messages\[1\]\.tool_call_id/));
  });

  test('rejects content parts it cannot translate', () => {
    const messages: ChatMessage[] = [
      { role: 'user', content: [{ type: 'video_url', video_url: { url: 'https://v.test' } }] },
    ];
    assert.throws(() => bodyFor({ messages }), invalidRequest(/messages\[0\]\.content\[0\]\.type/));
    const ftp: ChatMessage[] = [
      { role: 'user', content: [{ type: 'image_url', image_url: { url: 'ftp://x.test/a.png' } }] },
    ];
    assert.throws(() => bodyFor({ messages: ftp }), invalidRequest(/http\(s\) URL/));
  });
});

describe('gemini adapter: generation settings and tools', () => {
  test('maps sampling, length, stop and seed into generationConfig', () => {
    const body = bodyFor({
      temperature: 0.3,
      top_p: 0.9,
      top_k: 40,
      max_tokens: 100,
      max_completion_tokens: 200,
      stop: 'END',
      seed: 7,
    });
    assert.deepEqual(body['generationConfig'], {
      temperature: 0.3,
      topP: 0.9,
      topK: 40,
      maxOutputTokens: 200,
      stopSequences: ['END'],
      seed: 7,
    });
    const fallback = bodyFor({ max_tokens: 100, stop: ['a', 'b'] });
    assert.deepEqual(fallback['generationConfig'], {
      maxOutputTokens: 100,
      stopSequences: ['a', 'b'],
    });
  });

  test('maps response_format to JSON mode and a JSON schema as-is', () => {
    assert.deepEqual(bodyFor({ response_format: { type: 'json_object' } })['generationConfig'], {
      responseMimeType: 'application/json',
    });
    const schema = {
      type: 'object',
      properties: { city: { type: 'string' } },
      required: ['city'],
      additionalProperties: false,
    };
    const body = bodyFor({
      response_format: { type: 'json_schema', json_schema: { name: 'city', strict: true, schema } },
    });
    assert.deepEqual(body['generationConfig'], {
      responseMimeType: 'application/json',
      responseJsonSchema: schema,
    });
    assert.equal(bodyFor({ response_format: { type: 'text' } })['generationConfig'], undefined);
    assert.throws(
      () => bodyFor({ response_format: { type: 'grammar' } }),
      invalidRequest(/response_format/),
    );
  });

  test('maps reasoning to thinkingConfig: thoughts unless excluded, max_tokens as budget', () => {
    assert.deepEqual(bodyFor({ reasoning: { max_tokens: 1024 } })['generationConfig'], {
      thinkingConfig: { includeThoughts: true, thinkingBudget: 1024 },
    });
    assert.deepEqual(bodyFor({ reasoning: { exclude: true } })['generationConfig'], undefined);
    assert.deepEqual(bodyFor({ include_reasoning: true })['generationConfig'], {
      thinkingConfig: { includeThoughts: true },
    });
  });

  test('declares function tools with their JSON Schema and maps tool_choice to a mode', () => {
    const parameters = {
      type: 'object',
      properties: { location: { type: 'string' } },
      required: ['location'],
      additionalProperties: false,
    };
    const tools = [
      {
        type: 'function',
        function: { name: 'get_weather', description: 'Current weather', parameters },
      },
      {
        type: 'function',
        function: { name: 'ping', parameters: { type: 'object', properties: {} } },
      },
    ];
    const body = bodyFor({ tools, tool_choice: 'required' });
    assert.deepEqual(body['tools'], [
      {
        functionDeclarations: [
          { name: 'get_weather', description: 'Current weather', parametersJsonSchema: parameters },
          { name: 'ping' },
        ],
      },
    ]);
    assert.deepEqual(body['toolConfig'], { functionCallingConfig: { mode: 'ANY' } });
    const modes = { auto: 'AUTO', none: 'NONE', required: 'ANY' } as const;
    for (const [choice, mode] of Object.entries(modes)) {
      assert.deepEqual(bodyFor({ tools, tool_choice: choice })['toolConfig'], {
        functionCallingConfig: { mode },
      });
    }
    const named = bodyFor({ tools, tool_choice: { type: 'function', function: { name: 'ping' } } });
    assert.deepEqual(named['toolConfig'], {
      functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['ping'] },
    });
    assert.equal(bodyFor({ tools })['toolConfig'], undefined);
  });

  test('rejects tools that are not functions', () => {
    assert.throws(
      () => bodyFor({ tools: [{ type: 'web_search' }] }),
      invalidRequest(/tools\[0\]\.type/),
    );
  });
});

describe('gemini adapter: responses', () => {
  test('maps a text answer, its finish reason, id and usage', () => {
    const completion = geminiAdapter.parseChatResponse(textResponse, settings);
    assert.equal(completion.upstreamId, 'kVpXaL3nBsWk1MkP0Ib5qAM');
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
        native_finish_reason: 'STOP',
        logprobs: null,
      },
    ]);
    assert.deepEqual(completion.usage, {
      promptTokens: 8,
      completionTokens: 9,
      cachedTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
      completionImageTokens: 0,
      audioPromptTokens: 0,
      reportedCostUsd: null,
    });
  });

  test('puts thought parts in reasoning and counts thoughts as completion tokens', () => {
    const completion = geminiAdapter.parseChatResponse(thoughtsResponse, settings);
    const message = completion.choices[0]?.message;
    assert.equal(message?.content, '101 is the smallest prime greater than 100.');
    assert.match(message?.reasoning ?? '', /^\*\*Weighing the options\*\*/);
    assert.equal(completion.usage?.promptTokens, 14);
    assert.equal(completion.usage?.completionTokens, 12 + 312);
    assert.equal(completion.usage?.reasoningTokens, 312);
  });

  test('reports cached tokens inside the prompt count', () => {
    const usage = geminiAdapter.parseChatResponse(cachedResponse, settings).usage;
    assert.equal(usage?.promptTokens, 2048);
    assert.equal(usage?.cachedTokens, 1536);
    const both = geminiAdapter.parseChatResponse(cachedThinkingResponse, settings).usage;
    assert.deepEqual(
      [both?.promptTokens, both?.cachedTokens, both?.completionTokens, both?.reasoningTokens],
      [2000, 1500, 400, 300],
    );
  });

  test('maps function calls to tool_calls with stable ids and finish reason tool_calls', () => {
    const completion = geminiAdapter.parseChatResponse(functionCallResponse, settings);
    const choice = completion.choices[0];
    assert.equal(choice?.finish_reason, 'tool_calls');
    assert.equal(choice?.native_finish_reason, 'STOP');
    assert.equal(choice?.message.content, null);
    assert.deepEqual(choice?.message.tool_calls, [
      {
        id: 'call_vFpXaMzGJ8ak1MkPq9PxkAg_0',
        type: 'function',
        function: { name: 'get_weather', arguments: '{"location":"Paris","unit":"celsius"}' },
      },
      {
        id: 'call_vFpXaMzGJ8ak1MkPq9PxkAg_1',
        type: 'function',
        function: { name: 'get_time', arguments: '{"timezone":"Europe/Paris"}' },
      },
    ]);
    assert.deepEqual(choice?.message['reasoning_details'], [
      {
        type: 'reasoning.encrypted',
        data: 'CiQB0e2Kb7bTq1rXhP0vX0yZr3YQ4kq3w4mVZbE9mKc7uH1mQjYKZgHR7Yp2',
        id: 'call_vFpXaMzGJ8ak1MkPq9PxkAg_0',
        format: 'google-gemini-v1',
        index: 0,
      },
    ]);
    const again = geminiAdapter.parseChatResponse(functionCallResponse, settings);
    assert.deepEqual(again.choices, completion.choices, 'ids are deterministic');
    assert.equal(completion.usage?.completionTokens, 31 + 84);
  });

  test('sends the thought signature back with the call it came on', () => {
    const completion = geminiAdapter.parseChatResponse(functionCallResponse, settings);
    const message = completion.choices[0]?.message;
    assert.ok(message);
    const calls = message.tool_calls as Array<{ id: string }>;
    const messages: ChatMessage[] = [
      { role: 'user', content: 'Weather and time in Paris?' },
      message,
      { role: 'tool', tool_call_id: calls[0]?.id ?? '', content: '18°C' },
      { role: 'tool', tool_call_id: calls[1]?.id ?? '', content: '14:05' },
    ];
    const contents = bodyFor({ messages }, 'gemini-3-pro-preview')['contents'] as Array<{
      parts: Array<Record<string, unknown>>;
    }>;
    assert.equal(
      contents[1]?.parts[0]?.['thoughtSignature'],
      functionCallResponse.candidates[0]?.content.parts[0]?.thoughtSignature,
    );
    assert.equal(contents[1]?.parts[1]?.['thoughtSignature'], undefined);
    assert.deepEqual(contents[2]?.parts[0], {
      functionResponse: { name: 'get_weather', response: { content: '18°C' } },
    });
  });

  test('marks unsigned replayed calls for Gemini 3 only', () => {
    const messages: ChatMessage[] = [
      { role: 'user', content: 'Hi' },
      {
        role: 'assistant',
        tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }],
      },
      { role: 'tool', tool_call_id: 'c1', content: 'done' },
    ];
    const partOf = (model: string) =>
      (bodyFor({ messages }, model)['contents'] as Array<{ parts: unknown[] }>)[1]?.parts[0];
    assert.deepEqual(partOf('gemini-3-flash-preview'), {
      functionCall: { name: 'f', args: {} },
      thoughtSignature: 'skip_thought_signature_validator',
    });
    assert.deepEqual(partOf('gemini-2.5-flash'), { functionCall: { name: 'f', args: {} } });
  });

  test('answers a blocked prompt with empty content and content_filter', () => {
    const completion = geminiAdapter.parseChatResponse(blockedPromptResponse, settings);
    assert.deepEqual(completion.choices, [
      {
        index: 0,
        message: { role: 'assistant', content: '', refusal: null, reasoning: null },
        finish_reason: 'content_filter',
        native_finish_reason: 'PROHIBITED_CONTENT',
        logprobs: null,
      },
    ]);
    assert.equal(completion.usage?.promptTokens, 12);
    assert.equal(completion.usage?.completionTokens, 0);
  });

  test('maps a budget spent on thinking to length with empty content', () => {
    const completion = geminiAdapter.parseChatResponse(maxTokensResponse, settings);
    assert.equal(completion.choices[0]?.finish_reason, 'length');
    assert.equal(completion.choices[0]?.message.content, '');
    assert.equal(completion.usage?.completionTokens, 64);
  });

  test('normalizes finish reasons and passes unknown ones through', () => {
    const cases: Array<[string, boolean, string]> = [
      ['STOP', false, 'stop'],
      ['STOP', true, 'tool_calls'],
      ['MAX_TOKENS', false, 'length'],
      ['SAFETY', false, 'content_filter'],
      ['RECITATION', false, 'content_filter'],
      ['BLOCKLIST', false, 'content_filter'],
      ['PROHIBITED_CONTENT', false, 'content_filter'],
      ['SPII', false, 'content_filter'],
      ['MALFORMED_FUNCTION_CALL', false, 'error'],
      ['OTHER', false, 'error'],
      ['SOMETHING_NEW', false, 'SOMETHING_NEW'],
    ];
    for (const [native, toolCalls, expected] of cases) {
      assert.equal(mapGeminiFinishReason(native, toolCalls), expected, native);
    }
    assert.equal(mapGeminiFinishReason(undefined, false), null);
  });

  test('rejects a body that is not a GenerateContentResponse as a retryable upstream error', () => {
    for (const body of [[1, 2], { candidates: 'no' }, {}]) {
      assert.throws(
        () => geminiAdapter.parseChatResponse(body, settings),
        (error: unknown) =>
          error instanceof UpstreamError && error.kind === 'upstream_error' && error.retryable,
      );
    }
  });
});

describe('gemini adapter: streams', () => {
  test('sends the role first, thoughts as reasoning, text as content, and cumulative usage', () => {
    const chunks = parseStream(streamEvents);
    assert.deepEqual(
      chunks.map((chunk) => chunk.choices[0]?.delta),
      [
        { role: 'assistant', content: '', reasoning: 'Counting primes first.' },
        { content: 'The first three primes' },
        { content: ' are 2, 3 and 5.' },
      ],
    );
    assert.deepEqual(
      chunks.map((chunk) => chunk.choices[0]?.finish_reason),
      [null, null, 'stop'],
    );
    assert.equal(chunks[2]?.choices[0]?.native_finish_reason, 'STOP');
    assert.ok(chunks.every((chunk) => chunk.upstreamId === 'UVtXaJ3mOeWk1MkP8Y2XsQ0'));
    assert.deepEqual(chunks.at(-1)?.usage, {
      promptTokens: 2000,
      completionTokens: 400,
      cachedTokens: 1500,
      cacheWriteTokens: 0,
      reasoningTokens: 300,
      completionImageTokens: 0,
      audioPromptTokens: 0,
      reportedCostUsd: null,
    });
  });

  test('keeps the last usage when a later event leaves counts out', () => {
    const [first, second, third] = streamEvents;
    const { usageMetadata: _, ...withoutUsage } = third ?? {};
    const chunks = parseStream([first, second, withoutUsage]);
    assert.equal(chunks.at(-1)?.usage?.completionTokens, 4 + 300);
    assert.equal(chunks.at(-1)?.usage?.cachedTokens, 1500);
  });

  test('streams a function call whole and finishes with tool_calls', () => {
    const chunks = parseStream(streamToolCallEvents);
    const delta = chunks[0]?.choices[0]?.delta as Record<string, unknown>;
    assert.equal(delta['role'], 'assistant');
    assert.deepEqual(delta['tool_calls'], [
      {
        index: 0,
        id: 'call_ZFtXaK7mHcSk1MkPzNHtsQ8_0',
        type: 'function',
        function: { name: 'get_weather', arguments: '{"location":"Paris"}' },
      },
    ]);
    assert.deepEqual(delta['reasoning_details'], [
      {
        type: 'reasoning.encrypted',
        data: 'CiQB0e2Kb3NpZ25hdHVyZS1zdHJlYW0tMDAx',
        id: 'call_ZFtXaK7mHcSk1MkPzNHtsQ8_0',
        format: 'google-gemini-v1',
        index: 0,
      },
    ]);
    assert.equal(chunks[1]?.choices[0]?.finish_reason, 'tool_calls');
    assert.equal(chunks[1]?.usage?.completionTokens, 15 + 48);
  });

  test('finishes a blocked prompt with content_filter', () => {
    const [chunk] = parseStream([blockedPromptResponse]);
    assert.deepEqual(chunk?.choices, [
      {
        index: 0,
        delta: { role: 'assistant', content: '' },
        finish_reason: 'content_filter',
        native_finish_reason: 'PROHIBITED_CONTENT',
        logprobs: null,
      },
    ]);
  });

  test('throws on an error event and on malformed events', () => {
    const parse = geminiAdapter.createStreamParser(settings);
    assert.throws(
      () => parse(JSON.stringify(overloadedError)),
      (error: unknown) =>
        error instanceof UpstreamError &&
        error.kind === 'provider_overloaded' &&
        !error.retryable &&
        error.message === 'The model is overloaded. Please try again later.',
    );
    assert.throws(() => parse('{not json'), UpstreamError);
    assert.equal(parse(''), 'skip');
  });
});

describe('gemini adapter: errors', () => {
  test('keeps the status and Google message of a bad request', () => {
    const error = geminiAdapter.toUpstreamError(
      400,
      JSON.stringify(invalidArgumentError),
      {},
      settings,
    );
    assert.equal(error.kind, 'invalid_request');
    assert.equal(error.status, 400);
    assert.match(error.message, /contents is not specified/);
    assert.equal(error.metadata?.['provider_name'], 'Google AI Studio');
  });

  test('treats a rejected API key as the gateway’s upstream failure, not the client’s mistake', () => {
    const error = geminiAdapter.toUpstreamError(400, JSON.stringify(invalidKeyError), {}, settings);
    assert.equal(error.kind, 'upstream_error');
    assert.equal(error.status, 502);
    assert.equal(error.retryable, false);
  });

  test('maps quota errors to 429 with retry-after from RetryInfo', () => {
    const error = geminiAdapter.toUpstreamError(
      429,
      JSON.stringify(quotaExceededError),
      {},
      settings,
    );
    assert.equal(error.kind, 'rate_limited');
    assert.equal(error.retryable, true);
    assert.deepEqual(error.headers, { 'retry-after': '37' });
    const told = geminiAdapter.toUpstreamError(
      429,
      JSON.stringify(quotaExceededError),
      { 'retry-after': '5' },
      settings,
    );
    assert.deepEqual(told.headers, { 'retry-after': '5' });
  });

  test('maps overload and unreadable bodies', () => {
    const overloaded = geminiAdapter.toUpstreamError(
      503,
      JSON.stringify([overloadedError]),
      {},
      settings,
    );
    assert.equal(overloaded.kind, 'provider_overloaded');
    assert.equal(overloaded.message, 'The model is overloaded. Please try again later.');
    const opaque = geminiAdapter.toUpstreamError(500, '<html>oops</html>', {}, settings);
    assert.equal(opaque.kind, 'upstream_error');
    assert.equal(opaque.message, 'Provider returned error');
  });
});
