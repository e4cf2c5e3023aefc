import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorEnvelopeSchema, GenerationContentResponseSchema } from '@tollgate/protocol';
import { captureLogs } from '../helpers/captured-logs.js';
import { postJson, readSse } from '../helpers/http.js';
import { openAIChatCompletion, openAIStreamEvents } from '../helpers/openai-fixtures.js';
import { openRouterSdk } from '../helpers/openrouter-clients.js';
import { defaultTestConfig, startTestGatewayFor } from '../helpers/start-test-gateway.js';

const messages = [{ role: 'user', content: 'What is on my invoice?' }];

async function content(apiUrl: string, key: string, id: string) {
  const response = await fetch(`${apiUrl}/generation/content?id=${encodeURIComponent(id)}`, {
    headers: { authorization: `Bearer ${key}` },
  });
  return { status: response.status, body: (await response.json()) as unknown };
}

test('content is stored only where the config or the key says so, and answered in OpenRouter shape', async (t) => {
  const harness = await startTestGatewayFor(t);
  harness.upstream.route('/v1/chat/completions', (request) =>
    (request.body as { stream?: boolean }).stream === true
      ? { kind: 'sse', events: openAIStreamEvents({ contents: ['Two ', 'lines.'] }) }
      : { kind: 'json', body: openAIChatCompletion({ content: 'Three items.' }) },
  );
  const makeKey = async (body: object) =>
    ((await (await postJson(harness.apiUrl, '/keys', harness.key, body)).json()) as { key: string })
      .key;
  const storing = await makeKey({ name: 'storing', store_content: true });
  const plain = await makeKey({ name: 'plain' });

  // Default config: not stored → 403.
  const unstored = await postJson(harness.apiUrl, '/chat/completions', plain, {
    model: 'test/model',
    messages,
  });
  const unstoredId = ((await unstored.json()) as { id: string }).id;
  const refused = await content(harness.apiUrl, plain, unstoredId);
  assert.equal(refused.status, 403);
  assert.equal(
    ErrorEnvelopeSchema.parse(refused.body).error.message,
    'Content was not stored for this generation',
  );

  // The key's override stores it, streamed or not.
  const stored = await postJson(harness.apiUrl, '/chat/completions', storing, {
    model: 'test/model',
    messages,
  });
  const storedId = ((await stored.json()) as { id: string }).id;
  const answer = await content(harness.apiUrl, storing, storedId);
  assert.equal(answer.status, 200);
  assert.deepEqual(GenerationContentResponseSchema.parse(answer.body), {
    data: {
      input: { messages },
      output: { completion: 'Three items.', reasoning: null },
      error: null,
    },
  });
  const streamed = await postJson(harness.apiUrl, '/chat/completions', storing, {
    model: 'test/model',
    messages,
    stream: true,
  });
  const streamedId = streamed.headers.get('x-generation-id') ?? '';
  assert.equal((await readSse(streamed)).done, true);
  assert.deepEqual((await content(harness.apiUrl, storing, streamedId)).body, {
    data: {
      input: { messages },
      output: { completion: 'Two lines.', reasoning: null },
      error: null,
    },
  });
  // Another key cannot read it (404 as for a missing generation); management keys can.
  assert.equal((await content(harness.apiUrl, plain, storedId)).status, 404);
  assert.equal((await content(harness.apiUrl, harness.key, storedId)).status, 200);

  // Retention deletes the content with its record.
  const storage = harness.gateway.context.storage;
  assert.equal(await storage.retention.purgeBatch('9999-12-31T00:00:00.000Z', 100), 3);
  assert.equal(await storage.generations.getContent(storedId), undefined);
  assert.equal((await content(harness.apiUrl, storing, storedId)).status, 404);
});

test('store_content: true in the config stores for every key but one that opts out', async (t) => {
  const harness = await startTestGatewayFor(t, {
    config: (url) => ({ ...(defaultTestConfig(url) as object), store_content: true }),
  });
  harness.upstream.route('/v1/chat/completions', { kind: 'json', body: openAIChatCompletion() });
  const created = await postJson(harness.apiUrl, '/keys', harness.key, { name: 'opted-out' });
  const { key, data } = (await created.json()) as { key: string; data: { hash: string } };
  const patched = await fetch(`${harness.apiUrl}/keys/${data.hash}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${harness.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ store_content: false }),
  });
  assert.equal(
    ((await patched.json()) as { data: { store_content: boolean } }).data.store_content,
    false,
  );
  for (const [caller, status] of [
    [harness.key, 200],
    [key, 403],
  ] as const) {
    const response = await postJson(harness.apiUrl, '/chat/completions', caller, {
      model: 'test/model',
      messages,
    });
    const { id } = (await response.json()) as { id: string };
    assert.equal((await content(harness.apiUrl, caller, id)).status, status);
  }
});

test('stored content never reaches the logs, even at trace level', async (t) => {
  // No redaction: the content must stay out of the log by never being logged.
  const logs = captureLogs('trace', { redact: false });
  const {
    upstream,
    apiUrl,
    key: adminKey,
  } = await startTestGatewayFor(t, {
    logger: logs.logger,
    countTokens: false,
    config: (url) => ({ ...(defaultTestConfig(url) as object), store_content: true }),
  });
  upstream.route('/v1/chat/completions', {
    kind: 'json',
    body: openAIChatCompletion({ content: 'zanzibar-completion-marker' }),
  });
  const response = await postJson(apiUrl, '/chat/completions', adminKey, {
    model: 'test/model',
    messages: [{ role: 'user', content: 'quetzal-prompt-marker' }],
  });
  const { id } = (await response.json()) as { id: string };
  const stored = await content(apiUrl, adminKey, id);
  assert.equal(stored.status, 200);
  assert.match(JSON.stringify(stored.body), /quetzal-prompt-marker.*zanzibar-completion-marker/);
  assert.ok(logs.lines.length > 0, 'the gateway logged at trace level');
  for (const line of logs.lines) {
    assert.doesNotMatch(line, /quetzal-prompt-marker|zanzibar-completion-marker/);
  }
});

test('the stored input of legacy completions and embeddings is one prompt string, as the strict SDK reads it', async (t) => {
  const harness = await startTestGatewayFor(t);
  harness.upstream.route('/v1/completions', {
    kind: 'json',
    body: {
      id: 'cmpl-1',
      object: 'text_completion',
      created: 1_700_000_000,
      model: 'upstream-model-1',
      choices: [
        { index: 0, text: 'one', logprobs: null, finish_reason: 'stop' },
        { index: 1, text: 'two', logprobs: null, finish_reason: 'stop' },
      ],
      usage: { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 },
    },
  });
  // One embedding per input item (a string, one token-id list, or each of a list of either).
  harness.upstream.route('/v1/embeddings', (request) => {
    const { input } = request.body as { input: unknown };
    const items = Array.isArray(input) && typeof input[0] !== 'number' ? input.length : 1;
    return {
      kind: 'json',
      body: {
        object: 'list',
        data: Array.from({ length: items }, (_, index) => ({
          object: 'embedding',
          index,
          embedding: [0.5, -0.25],
        })),
        model: 'upstream-model-1',
        usage: { prompt_tokens: 3, total_tokens: 3 },
      },
    };
  });
  const storing = (
    (await (
      await postJson(harness.apiUrl, '/keys', harness.key, { name: 'storing', store_content: true })
    ).json()) as { key: string }
  ).key;
  const sdk = openRouterSdk(harness, storing);
  const cases: Array<[string, object, object]> = [
    ['/completions', { prompt: 'Say one' }, { prompt: 'Say one' }],
    [
      '/completions',
      { prompt: ['Say one', 'Say two'] },
      { prompt: 'Say one\nSay two', prompts: ['Say one', 'Say two'] },
    ],
    ['/embeddings', { input: 'an invoice' }, { prompt: 'an invoice' }],
    ['/embeddings', { input: [101, 2023, 102] }, { prompt: '[101,2023,102]' }],
    ['/embeddings', { input: [[1, 2], [3]] }, { prompt: '[[1,2],[3]]' }],
  ];
  for (const [path, request, input] of cases) {
    const response = await postJson(harness.apiUrl, path, storing, {
      model: 'test/model',
      ...request,
    });
    assert.equal(response.status, 200, path);
    const id = response.headers.get('x-generation-id') ?? '';
    const answer = await content(harness.apiUrl, storing, id);
    assert.deepEqual(
      (GenerationContentResponseSchema.parse(answer.body).data as { input: object }).input,
      input,
    );
    // The strict SDK accepts it (it requires `prompt` to be a string).
    const read = await sdk.generations.listGenerationContent({ id });
    assert.equal(
      (read.data.input as { prompt: string }).prompt,
      (input as { prompt: string }).prompt,
    );
  }
});
