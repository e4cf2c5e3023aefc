/**
 * A `kind: anthropic` provider end to end: the real `openai` client talks to the gateway over
 * loopback, the gateway talks to a fake Anthropic Messages API (a real HTTP server) serving the
 * fixtures of `src/providers/anthropic/__fixtures__/`, and the stored generation record is read
 * back to check the exact cost of cache reads and writes.
 */
import assert from 'node:assert/strict';
import { describe, type TestContext, test } from 'node:test';
import { type GenerationRecord, GenerationRecordSchema } from '@tollgate/protocol';
import OpenAI from 'openai';
import type { ChatCompletionChunk } from 'openai/resources';
import { readAnthropicJson, readAnthropicSse } from '../helpers/anthropic-fixtures.js';
import { getGeneration, postJson, readSse } from '../helpers/http.js';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

const MODEL = 'anthropic/claude-test';
const MESSAGES_PATH = '/v1/messages';

function anthropicConfig(upstreamUrl: string): unknown {
  return {
    providers: [
      {
        name: 'Anthropic',
        kind: 'anthropic',
        base_url: `${upstreamUrl}/v1`,
        api_key: 'sk-ant-test',
      },
    ],
    models: [
      {
        id: MODEL,
        endpoints: [
          {
            provider: 'Anthropic',
            model: 'claude-test-1',
            pricing: {
              prompt: '0.000003',
              completion: '0.000015',
              input_cache_read: '0.0000003',
              input_cache_write: '0.00000375',
            },
          },
        ],
      },
    ],
  };
}

async function startAnthropicGateway(t: TestContext): Promise<TestGateway> {
  const harness = await startTestGateway({ config: anthropicConfig });
  t.after(() => harness.close());
  return harness;
}

function client(harness: TestGateway): OpenAI {
  return new OpenAI({ apiKey: harness.key, baseURL: harness.apiUrl, maxRetries: 0 });
}

/** Serves a `.sse` fixture byte for byte, `event:` lines and comments included. */
function sseFixture(name: string) {
  const headers = { 'content-type': 'text/event-stream' };
  return { kind: 'raw', status: 200, body: readAnthropicSse(name), headers } as const;
}

/** The stored record, checked against the wire schema, with Tollgate's extra keys kept. */
async function fetchRecord(
  harness: TestGateway,
  id: string,
): Promise<GenerationRecord & Record<string, unknown>> {
  const response = await getGeneration(harness.apiUrl, harness.key, id);
  assert.equal(response.status, 200);
  const body = (await response.json()) as { data: Record<string, unknown> };
  return { ...body.data, ...GenerationRecordSchema.parse(body.data) };
}

function upstreamRequest(harness: TestGateway) {
  const request = harness.upstream.requests.find((candidate) => candidate.path === MESSAGES_PATH);
  assert.ok(request !== undefined, 'the fake Anthropic upstream was called');
  return { headers: request.headers, body: request.body as Record<string, unknown> };
}

describe('kind: anthropic upstream', () => {
  test('serves a non-stream completion and bills cache reads and writes exactly', async (t) => {
    const harness = await startAnthropicGateway(t);
    harness.upstream.route(MESSAGES_PATH, {
      kind: 'json',
      body: readAnthropicJson('message-cache-usage'),
    });
    const completion = await client(harness).chat.completions.create({
      model: MODEL,
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'What does section 4 say?' },
      ],
      user: 'customer-7',
    });
    assert.match(completion.choices[0]?.message.content ?? '', /^Section 4 of the contract/);
    assert.equal(completion.choices[0]?.finish_reason, 'stop');
    // Anthropic's input_tokens (100) + cache read (5000) + cache write (2000).
    assert.equal(completion.usage?.prompt_tokens, 7100);
    assert.equal(completion.usage?.prompt_tokens_details?.cached_tokens, 5000);
    assert.equal(completion.usage?.completion_tokens, 300);

    const sent = upstreamRequest(harness);
    assert.equal(sent.headers['x-api-key'], 'sk-ant-test');
    assert.equal(sent.headers['anthropic-version'], '2023-06-01');
    assert.equal(sent.headers['authorization'], undefined);
    assert.equal(sent.body['model'], 'claude-test-1');
    assert.equal(sent.body['max_tokens'], 4096);
    assert.equal(sent.body['system'], 'You are terse.');
    assert.deepEqual(sent.body['messages'], [
      { role: 'user', content: 'What does section 4 say?' },
    ]);
    assert.deepEqual(sent.body['metadata'], { user_id: 'customer-7' });

    const record = await fetchRecord(harness, completion.id);
    // 100 × 0.000003 + 5000 × 0.0000003 + 2000 × 0.00000375 + 300 × 0.000015
    //   = 0.0003 + 0.0015 + 0.0075 + 0.0045 = 0.0138 USD
    assert.equal(record.total_cost, 0.0138);
    assert.equal(completion.usage && (completion.usage as { cost?: number }).cost, 0.0138);
    // Saved on reads 5000 × (0.000003 − 0.0000003) = 0.0135, paid extra on writes
    // 2000 × (0.00000375 − 0.000003) = 0.0015: a net discount of +0.012 USD.
    assert.equal(record.cache_discount, 0.012);
    assert.equal(record.native_tokens_cached, 5000);
    assert.equal(record.native_tokens_prompt, 7100);
    assert.equal(record.native_tokens_completion, 300);
    assert.equal(record.upstream_id, 'msg_01CacheReadAndWrite7Qd2');
    assert.equal(record.provider_name, 'Anthropic');
    assert.equal(record.native_finish_reason, 'end_turn');
    assert.equal(record['native_tokens_cache_write'], 2000);
    assert.deepEqual(record['cost_breakdown'], {
      prompt: '0.0003',
      cache_read: '0.0015',
      cache_write: '0.0075',
      completion: '0.0045',
      reasoning: '0',
      request: '0',
      image: '0',
      web_search: '0',
      audio: '0',
      total: '0.0138',
      cache_discount: '0.012',
      byok_fee: null,
    });
  });

  test('streams thinking, text and a tool call and bills a cache write', async (t) => {
    const harness = await startAnthropicGateway(t);
    harness.upstream.route(MESSAGES_PATH, sseFixture('stream-thinking-tool-use'));
    const stream = await client(harness).chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
      max_tokens: 1024,
      stream: true,
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            parameters: { type: 'object', properties: { location: { type: 'string' } } },
          },
        },
      ],
      tool_choice: 'auto',
    });
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const choices = chunks.flatMap((chunk) => chunk.choices);
    assert.equal(choices[0]?.delta.role, 'assistant');
    assert.equal(
      choices.map((choice) => choice.delta.content ?? '').join(''),
      'Let me check the weather in Paris.',
    );
    const calls = choices.flatMap((choice) => choice.delta.tool_calls ?? []);
    assert.equal(calls[0]?.id, 'toolu_01T1x1fJ34qAmk2tNTrN7Up6');
    assert.equal(calls[0]?.function?.name, 'get_weather');
    const args = calls.map((call) => call.function?.arguments ?? '').join('');
    assert.deepEqual(JSON.parse(args), { location: 'Paris, France' });
    assert.equal(choices.at(-1)?.finish_reason, 'tool_calls');
    const usage = chunks.at(-1)?.usage;
    assert.equal(usage?.prompt_tokens, 4050);
    assert.equal(usage?.completion_tokens, 120);

    const sent = upstreamRequest(harness);
    assert.equal(sent.body['stream'], true);
    assert.equal(sent.body['max_tokens'], 1024);
    assert.deepEqual(sent.body['tool_choice'], { type: 'auto' });
    assert.equal(sent.headers['accept'], 'text/event-stream');

    const record = await fetchRecord(harness, String(chunks[0]?.id));
    // 50 × 0.000003 + 4000 × 0.00000375 + 120 × 0.000015 = 0.00015 + 0.015 + 0.0018 = 0.01695
    assert.equal(record.total_cost, 0.01695);
    // Writing the cache cost 4000 × (0.00000375 − 0.000003) = 0.003 more than plain prompt.
    assert.equal(record.cache_discount, -0.003);
    assert.equal(record.native_tokens_cached, 0);
    assert.equal(record.native_tokens_prompt, 4050);
    assert.equal(record.streamed, true);
    assert.equal(record.finish_reason, 'tool_calls');
    assert.equal(record.native_finish_reason, 'tool_use');
    assert.equal(record.upstream_id, 'msg_014p7gG3wDgGV9EUtLvnow3U');
  });

  test('passes an upstream 529 overloaded error on as 529', async (t) => {
    const harness = await startAnthropicGateway(t);
    harness.upstream.route(MESSAGES_PATH, {
      kind: 'json',
      status: 529,
      body: readAnthropicJson('error-overloaded'),
    });
    await assert.rejects(
      client(harness).chat.completions.create({
        model: MODEL,
        messages: [{ role: 'user', content: 'Hi' }],
      }),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.APIError);
        assert.equal(error.status, 529);
        assert.match(error.message, /Overloaded/);
        return true;
      },
    );
  });

  test('ends a stream with a 529 error chunk when Anthropic sends an error event', async (t) => {
    const harness = await startAnthropicGateway(t);
    harness.upstream.route(MESSAGES_PATH, sseFixture('stream-overloaded-error'));
    const response = await postJson(harness.apiUrl, '/chat/completions', harness.key, {
      model: MODEL,
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
    });
    assert.equal(response.status, 200);
    const sse = await readSse(response);
    assert.equal(sse.done, false, 'no [DONE] after an error');
    const last = sse.chunks.at(-1) as { error?: { code: number; message: string } };
    assert.equal(last.error?.code, 529);
    assert.equal(last.error?.message, 'Overloaded');
    assert.ok(sse.text.includes('Partial answer'), 'text before the error reached the client');
    const record = await fetchRecord(harness, String(response.headers.get('x-generation-id')));
    assert.equal(record.finish_reason, 'error');
    assert.equal(record.total_cost, 0);
  });

  test('rejects invalid tool call arguments with a 400 before calling Anthropic', async (t) => {
    const harness = await startAnthropicGateway(t);
    const response = await postJson(harness.apiUrl, '/chat/completions', harness.key, {
      model: MODEL,
      messages: [
        { role: 'user', content: 'Hi' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'toolu_1', type: 'function', function: { name: 'f', arguments: '{"a":' } },
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_1', content: 'ok' },
      ],
    });
    assert.equal(response.status, 400);
    const body = (await response.json()) as { error: { code: number; message: string } };
    assert.equal(body.error.code, 400);
    assert.match(body.error.message, /messages\[1\]\.tool_calls\[0\]\.function\.arguments/);
    assert.equal(harness.upstream.requests.length, 0);
  });
});
