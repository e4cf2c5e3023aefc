/**
 * Issue 15, parts 2 and 4, the other side: what real requests send is still accepted and reaches
 * the upstream unchanged — assistant messages with `content: null` and tool calls, tool results,
 * every content part type, `logit_bias`, JSON nested up to the limit (128 levels) — while one
 * level more is refused, naming the path. The refusals themselves live in the hostile corpus
 * (test/reliability/corpus/requests.json).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ErrorEnvelopeSchema } from '@tollgate/protocol';
import { MAX_JSON_DEPTH } from '../../src/http/json-nesting.js';
import { postJson } from '../helpers/http.js';
import { openAIChatCompletion, openAITextCompletion } from '../helpers/openai-fixtures.js';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

/** A JSON Schema whose properties nest `levels` objects deep (two JSON levels each). */
function nestedSchema(levels: number): Record<string, unknown> {
  let schema: Record<string, unknown> = { type: 'string' };
  for (let level = 0; level < levels; level += 1) {
    schema = { type: 'object', properties: { inner: schema } };
  }
  return schema;
}

/** `[[[…1…]]]` with `arrays` brackets. */
function nestedArrays(arrays: number): unknown {
  let value: unknown = 1;
  for (let level = 0; level < arrays; level += 1) value = [value];
  return value;
}

describe('request validation keeps real requests working', () => {
  let harness: TestGateway;

  before(async () => {
    harness = await startTestGateway({ countTokens: false });
    harness.upstream.route('/v1/chat/completions', {
      kind: 'json',
      body: openAIChatCompletion(),
    });
    harness.upstream.route('/v1/completions', {
      kind: 'json',
      body: openAITextCompletion('ok'),
    });
  });
  after(() => harness.close());

  const chat = (body: Record<string, unknown>) =>
    postJson(harness.apiUrl, '/chat/completions', harness.key, { model: 'test/model', ...body });

  test('accepts a tool-call conversation, every content part type and logit_bias, forwarded as sent', async () => {
    const messages = [
      { role: 'system', content: [{ type: 'text', text: 'Be brief.' }] },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is in these?', cache_control: { type: 'ephemeral' } },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          { type: 'image_url', image_url: 'https://example.com/cat.png' },
          { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } },
          {
            type: 'file',
            file: { filename: 'a.pdf', file_data: 'data:application/pdf;base64,JV=' },
          },
          { type: 'video_url', video_url: { url: 'https://example.com/a.mp4' } },
        ],
      },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'look', arguments: '{}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'a cat' },
      { role: 'assistant', content: '' },
      { role: 'assistant', content: [{ type: 'refusal', refusal: 'no' }] },
      { role: 'developer', content: 'Answer.' },
      { role: 'user', content: '' },
    ];
    const response = await chat({ messages, logit_bias: { '50256': -100, '1': 2.5 } });
    assert.equal(response.status, 200, await response.clone().text());
    const sent = harness.upstream.requests.at(-1)?.body as Record<string, unknown>;
    assert.deepEqual(sent['messages'], messages);
    assert.deepEqual(sent['logit_bias'], { '50256': -100, '1': 2.5 });
  });

  test('accepts logit_bias on completions', async () => {
    const response = await postJson(harness.apiUrl, '/completions', harness.key, {
      model: 'test/model',
      prompt: 'hi',
      logit_bias: { '50256': -100 },
    });
    assert.equal(response.status, 200, await response.clone().text());
  });

  test(`accepts a tool schema nested to the depth limit (${MAX_JSON_DEPTH} levels)`, async () => {
    // body 1, tools 2, tools[0] 3, function 4, parameters 5..: 2 levels per schema level.
    const levels = Math.floor((MAX_JSON_DEPTH - 5) / 2);
    const tools = [
      { type: 'function', function: { name: 'deep', parameters: nestedSchema(levels) } },
    ];
    const response = await chat({ messages: [{ role: 'user', content: 'hi' }], tools });
    assert.equal(response.status, 200, await response.clone().text());
    // And an unknown field exactly at the limit: body (1) + 127 arrays = 128 levels.
    const atLimit = await chat({
      messages: [{ role: 'user', content: 'hi' }],
      x_deep: nestedArrays(MAX_JSON_DEPTH - 1),
    });
    assert.equal(atLimit.status, 200, await atLimit.clone().text());
  });

  test('refuses one level past the limit with a 400 naming the path, before the upstream', async () => {
    const before = harness.upstream.requests.length;
    const response = await chat({
      messages: [{ role: 'user', content: 'hi' }],
      tools: [
        { type: 'function', function: { name: 'f', parameters: nestedArrays(MAX_JSON_DEPTH) } },
      ],
    });
    assert.equal(response.status, 400);
    const envelope = ErrorEnvelopeSchema.parse(await response.json());
    assert.match(
      envelope.error.message,
      /nested deeper than 128 levels at tools\[0\]\.function\.parameters\[0\]/,
    );
    assert.equal(envelope.error.metadata?.['max_depth'], MAX_JSON_DEPTH);
    assert.equal(harness.upstream.requests.length, before);
  });
});
