import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  countDemoTokens,
  type DemoUpstream,
  startDemoUpstream,
} from '../../src/providers/demo/demo-upstream.js';

interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
  completion_tokens_details: { reasoning_tokens: number };
}

interface Completion {
  id: string;
  object: string;
  created: number;
  model: string;
  system_fingerprint: string;
  choices: Array<{
    index: number;
    message: { role: string; content: string; refusal: null };
    logprobs: null;
    finish_reason: string;
  }>;
  usage: Usage;
}

interface Chunk {
  id: string;
  object: string;
  created: number;
  model: string;
  choices: Array<{
    index: number;
    delta: { role?: string; content?: string };
    logprobs: null;
    finish_reason: string | null;
  }>;
  usage?: Usage | null;
}

const messages = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: [{ type: 'text', text: 'What does a gateway do?' }] },
];

interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

interface ModelList {
  object: string;
  data: Array<{ id: string; object: string; created: number; owned_by: string }>;
}

let demo: DemoUpstream;

before(async () => {
  demo = await startDemoUpstream();
});

after(async () => {
  await demo.close();
});

function postChat(body: unknown): Promise<Response> {
  return fetch(`${demo.url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function complete(body: object): Promise<Completion> {
  const response = await postChat({ model: 'demo-1', messages, ...body });
  assert.equal(response.status, 200);
  return (await response.json()) as Completion;
}

/** Reads an SSE body into its `data:` payloads, checking the framing along the way. */
async function readEvents(response: Response): Promise<string[]> {
  const text = await response.text();
  assert.ok(text.endsWith('\n\n'), 'stream ends with a blank line');
  return text
    .slice(0, -2)
    .split('\n\n')
    .map((frame) => {
      assert.match(frame, /^data: /, `frame is a single data line: ${frame}`);
      assert.ok(!frame.includes('\n'), 'frame has exactly one line');
      return frame.slice('data: '.length);
    });
}

async function stream(body: object): Promise<{ chunks: Chunk[]; last: string | undefined }> {
  const response = await postChat({ model: 'demo-1', messages, stream: true, ...body });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'text/event-stream');
  const events = await readEvents(response);
  const last = events.at(-1);
  const chunks = events.slice(0, -1).map((event) => JSON.parse(event) as Chunk);
  return { chunks, last };
}

describe('demo upstream', () => {
  test('answers a chat completion in OpenAI shape with consistent usage', async () => {
    const completion = await complete({});
    assert.match(completion.id, /^chatcmpl-[0-9a-f]+$/);
    assert.equal(completion.object, 'chat.completion');
    assert.ok(Number.isInteger(completion.created));
    assert.equal(completion.model, 'demo-1');
    assert.equal(completion.system_fingerprint, 'fp_tollgate_demo');
    assert.equal(completion.choices.length, 1);
    const [choice] = completion.choices;
    assert.ok(choice);
    assert.equal(choice.index, 0);
    assert.equal(choice.message.role, 'assistant');
    assert.equal(choice.message.refusal, null);
    assert.equal(choice.logprobs, null);
    assert.equal(choice.finish_reason, 'stop');
    assert.match(choice.message.content, /^This is Tollgate's offline demo model\. /);

    const { usage } = completion;
    const expectedPrompt =
      2 * 3 + countDemoTokens('You are terse.') + countDemoTokens('What does a gateway do?');
    assert.equal(usage.prompt_tokens, expectedPrompt);
    assert.equal(usage.completion_tokens, countDemoTokens(choice.message.content));
    assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
    assert.ok(usage.completion_tokens >= 40 && usage.completion_tokens <= 80);
    assert.deepEqual(usage.prompt_tokens_details, { cached_tokens: 0 });
    assert.deepEqual(usage.completion_tokens_details, { reasoning_tokens: 0 });
  });

  test('echoes the model string it was sent', async () => {
    const completion = await complete({ model: 'tollgate/demo' });
    assert.equal(completion.model, 'tollgate/demo');
  });

  test('gives the same text for the same messages and other text for others', async () => {
    const first = await complete({});
    const second = await complete({});
    const other = await complete({ messages: [{ role: 'user', content: 'Something else.' }] });
    assert.equal(first.choices[0]?.message.content, second.choices[0]?.message.content);
    assert.notEqual(first.id, second.id);
    assert.notEqual(first.choices[0]?.message.content, other.choices[0]?.message.content);
  });

  test('stops at max_tokens with finish_reason length', async () => {
    const full = await complete({});
    for (const field of ['max_tokens', 'max_completion_tokens']) {
      const cut = await complete({ [field]: 7 });
      const content = cut.choices[0]?.message.content ?? '';
      assert.equal(cut.choices[0]?.finish_reason, 'length');
      assert.equal(cut.usage.completion_tokens, 7);
      assert.equal(countDemoTokens(content), 7);
      assert.ok(full.choices[0]?.message.content.startsWith(content), 'truncation is a prefix');
    }
  });

  test('finishes with stop when max_tokens leaves room for the whole reply', async () => {
    const completion = await complete({ max_tokens: 1000 });
    assert.equal(completion.choices[0]?.finish_reason, 'stop');
  });

  test('streams role, content and finish chunks, then [DONE], without usage', async () => {
    const { chunks, last } = await stream({});
    assert.equal(last, '[DONE]');
    const [first, ...rest] = chunks;
    assert.deepEqual(first?.choices[0]?.delta, { role: 'assistant', content: '' });
    const finish = rest.at(-1);
    assert.deepEqual(finish?.choices[0]?.delta, {});
    assert.equal(finish?.choices[0]?.finish_reason, 'stop');
    const contentChunks = rest.slice(0, -1);
    assert.ok(contentChunks.length > 1, 'content arrives in several chunks');
    for (const chunk of chunks) {
      assert.equal(chunk.object, 'chat.completion.chunk');
      assert.equal(chunk.id, first?.id);
      assert.equal(chunk.model, 'demo-1');
      assert.equal(chunk.choices.length, 1);
      assert.equal(chunk.choices[0]?.logprobs, null);
      assert.equal('usage' in chunk, false);
    }
    for (const chunk of contentChunks) {
      assert.equal(chunk.choices[0]?.finish_reason, null);
      assert.deepEqual(Object.keys(chunk.choices[0]?.delta ?? {}), ['content']);
    }
    const streamed = contentChunks.map((chunk) => chunk.choices[0]?.delta.content).join('');
    const completion = await complete({});
    assert.equal(streamed, completion.choices[0]?.message.content);
  });

  test('streams a final usage chunk with empty choices when include_usage is set', async () => {
    const { chunks, last } = await stream({ stream_options: { include_usage: true } });
    assert.equal(last, '[DONE]');
    const usageChunk = chunks.at(-1);
    assert.deepEqual(usageChunk?.choices, []);
    const completion = await complete({});
    assert.deepEqual(usageChunk?.usage, completion.usage);
    for (const chunk of chunks.slice(0, -1)) assert.equal(chunk.usage, null);
    assert.equal(chunks.at(-2)?.choices[0]?.finish_reason, 'stop');
  });

  test('streams finish_reason length when max_tokens cuts the reply', async () => {
    const { chunks } = await stream({ max_tokens: 5, stream_options: { include_usage: true } });
    assert.equal(chunks.at(-2)?.choices[0]?.finish_reason, 'length');
    assert.equal(chunks.at(-1)?.usage?.completion_tokens, 5);
  });

  test('waits chunkDelayMs between chunks and survives a client that disconnects', async () => {
    const slow = await startDemoUpstream({ chunkDelayMs: 20 });
    try {
      const controller = new AbortController();
      const response = await fetch(`${slow.url}/chat/completions`, {
        method: 'POST',
        body: JSON.stringify({ model: 'demo-1', messages, stream: true }),
        signal: controller.signal,
      });
      const reader = response.body?.getReader();
      assert.ok(reader);
      const started = Date.now();
      await reader.read();
      await reader.read();
      controller.abort();
      assert.ok(Date.now() - started >= 15, 'second chunk waited for the delay');
      const afterAbort = await postChat({ messages: 'not an array' });
      assert.equal(afterAbort.status, 400);
    } finally {
      await slow.close();
    }
  });

  test('rejects malformed JSON with an OpenAI error body', async () => {
    const response = await postChat('{"messages": [');
    assert.equal(response.status, 400);
    const body = (await response.json()) as ErrorBody;
    assert.equal(body.error.type, 'invalid_request_error');
    assert.equal(typeof body.error.message, 'string');
    assert.equal(body.error.code, null);
    assert.equal(body.error.param, null);
  });

  test('rejects a body without a messages array', async () => {
    const response = await postChat({ model: 'demo-1' });
    assert.equal(response.status, 400);
    const body = (await response.json()) as ErrorBody;
    assert.equal(body.error.param, 'messages');
  });

  test('rejects a non-positive max_tokens', async () => {
    const response = await postChat({ messages, max_tokens: 0 });
    assert.equal(response.status, 400);
  });

  test('lists its model under GET /v1/models', async () => {
    const response = await fetch(`${demo.url}/models`);
    assert.equal(response.status, 200);
    const body = (await response.json()) as ModelList;
    assert.equal(body.object, 'list');
    assert.equal(body.data[0]?.id, 'demo-1');
    assert.equal(body.data[0]?.object, 'model');
    assert.equal(body.data[0]?.owned_by, 'tollgate');
  });

  test('answers unknown paths with a 404 OpenAI error', async () => {
    const response = await fetch(`${demo.url}/images/generations`, { method: 'POST', body: '{}' });
    assert.equal(response.status, 404);
    const body = (await response.json()) as ErrorBody;
    assert.equal(body.error.type, 'invalid_request_error');
  });

  test('closes promptly while a keep-alive connection and a stream are open', async () => {
    const slow = await startDemoUpstream({ chunkDelayMs: 1000 });
    await (await fetch(`${slow.url}/models`)).text();
    const response = await fetch(`${slow.url}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ messages, stream: true }),
    });
    const reader = response.body?.getReader();
    await reader?.read();
    const started = Date.now();
    await slow.close();
    assert.ok(Date.now() - started < 500, 'close() did not wait for the stream');
    await assert.rejects(async () => {
      while (!(await reader?.read())?.done) {
        // drain until the destroyed socket surfaces as an error
      }
    });
  });
});

function post(path: string, body: unknown): Promise<Response> {
  return fetch(`${demo.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

interface TextCompletionBody {
  object: string;
  choices: Array<{ text: string; index: number; finish_reason: string }>;
  usage: Usage;
}

describe('demo upstream: legacy completions and embeddings', () => {
  test('a completion per prompt, each seeded by its prompt, usage summed', async () => {
    const response = await post('/completions', { model: 'demo-1', prompt: ['one', 'two'] });
    assert.equal(response.status, 200);
    const body = (await response.json()) as TextCompletionBody;
    assert.equal(body.object, 'text_completion');
    assert.deepEqual(
      body.choices.map((choice) => choice.index),
      [0, 1],
    );
    assert.notEqual(body.choices[0]?.text, body.choices[1]?.text);
    const single = (await (
      await post('/completions', { model: 'demo-1', prompt: 'two' })
    ).json()) as TextCompletionBody;
    assert.equal(single.choices[0]?.text, body.choices[1]?.text);
    const completionTokens = body.choices.reduce(
      (sum, choice) => sum + countDemoTokens(choice.text),
      0,
    );
    assert.deepEqual(body.usage, {
      prompt_tokens: 2,
      completion_tokens: completionTokens,
      total_tokens: 2 + completionTokens,
    });
  });

  test('a completion stream joins to the non-stream text and ends with usage, then [DONE]', async () => {
    const whole = (await (
      await post('/completions', { prompt: 'gateways', max_tokens: 12 })
    ).json()) as TextCompletionBody;
    const response = await post('/completions', {
      prompt: 'gateways',
      max_tokens: 12,
      stream: true,
      stream_options: { include_usage: true },
    });
    const events = await readEvents(response);
    assert.equal(events.at(-1), '[DONE]');
    const chunks = events.slice(0, -1).map(
      (event) =>
        JSON.parse(event) as {
          choices: Array<{ text: string; finish_reason: string | null }>;
          usage: Usage | null;
        },
    );
    const text = chunks.flatMap((chunk) => chunk.choices.map((choice) => choice.text)).join('');
    assert.equal(text, whole.choices[0]?.text);
    assert.equal(chunks.at(-2)?.choices[0]?.finish_reason, 'length');
    assert.deepEqual(chunks.at(-1)?.usage, whole.usage);
  });

  test('embeddings: one unit vector per input, the same for the same input, base64 = floats', async () => {
    const response = await post('/embeddings', {
      model: 'demo-embed-1',
      input: ['a b', 'c', 'a b'],
    });
    assert.equal(response.status, 200);
    const body = (await response.json()) as {
      data: Array<{ index: number; embedding: number[] }>;
      usage: { prompt_tokens: number; total_tokens: number };
    };
    assert.equal(body.data.length, 3);
    const [first, second, third] = body.data.map((item) => item.embedding);
    assert.equal(first?.length, 64);
    assert.ok(Math.abs(Math.hypot(...(first ?? [])) - 1) < 1e-6);
    assert.deepEqual(first, third);
    assert.notDeepEqual(first, second);
    assert.deepEqual(body.usage, { prompt_tokens: 5, total_tokens: 5 });
    const encoded = (await (
      await post('/embeddings', { input: 'a b', encoding_format: 'base64' })
    ).json()) as { data: Array<{ embedding: string }> };
    const bytes = Buffer.from(encoded.data[0]?.embedding ?? '', 'base64');
    const floats = Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, 64));
    assert.deepEqual(floats, first);
  });

  test('bad embeddings and completion inputs are 400 OpenAI errors naming the field', async () => {
    for (const [path, body, param] of [
      ['/embeddings', { input: [{ text: 'x' }] }, 'input'],
      ['/embeddings', { input: 'x', encoding_format: 'int8' }, 'encoding_format'],
      ['/completions', { prompt: 5 }, 'prompt'],
    ] as const) {
      const response = await post(path, body);
      assert.equal(response.status, 400, path);
      assert.equal(((await response.json()) as ErrorBody).error.param, param);
    }
  });
});
