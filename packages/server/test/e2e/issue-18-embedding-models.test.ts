import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OpenRouter } from '@openrouter/sdk';
import { parseConfig } from '../../src/config/load-config.js';
import { startTestGateway } from '../helpers/start-test-gateway.js';

function config(upstreamUrl: string): unknown {
  return {
    providers: [{ name: 'Kit', kind: 'openai', base_url: `${upstreamUrl}/v1` }],
    models: [
      {
        id: 'kit/chat',
        name: 'Kit Chat',
        endpoints: [
          {
            provider: 'Kit',
            model: 'chat-1',
            pricing: { prompt: '0.000001', completion: '0.000002' },
          },
        ],
      },
      {
        id: 'kit/embed',
        name: 'Kit Embed',
        output_modalities: ['embeddings'],
        endpoints: [
          { provider: 'Kit', model: 'embed-1', pricing: { prompt: '0.00000002', completion: '0' } },
        ],
      },
    ],
  };
}

test('an embedding model is listed as text->embeddings and found by output_modalities=embeddings (@openrouter/sdk)', async (t) => {
  const harness = await startTestGateway({ config, countTokens: false });
  t.after(() => harness.close());
  const client = new OpenRouter({
    apiKey: harness.key,
    serverURL: harness.apiUrl,
    retryConfig: { strategy: 'none' },
  });

  const embeddings = (await client.models.list({ outputModalities: 'embeddings' })).result;
  assert.deepEqual(
    embeddings.data.map((model) => model.id),
    ['kit/embed'],
  );
  assert.equal(embeddings.totalCount, 1);
  assert.deepEqual(embeddings.data[0]?.architecture, {
    modality: 'text->embeddings',
    inputModalities: ['text'],
    outputModalities: ['embeddings'],
    tokenizer: 'Other',
    instructType: null,
  });

  // The default list is text models only, as on OpenRouter; `all` lists both.
  const text = (await client.models.list()).result;
  assert.deepEqual(
    text.data.map((model) => [model.id, model.architecture.modality]),
    [['kit/chat', 'text->text']],
  );
  const all = (await client.models.list({ outputModalities: 'all' })).result;
  assert.deepEqual(
    all.data.map((model) => model.id),
    ['kit/chat', 'kit/embed'],
  );
  const listed = (await client.embeddings.listModels()).result;
  assert.deepEqual(
    listed.data.map((model) => model.id),
    ['kit/embed'],
  );
  const single = await client.models.get({ author: 'kit', slug: 'embed' });
  assert.deepEqual(single.data.architecture.outputModalities, ['embeddings']);
});

test('a chat or text completion asked of an embedding-only model is refused before any upstream call', async (t) => {
  const harness = await startTestGateway({ config, countTokens: false });
  t.after(() => harness.close());
  const post = (path: string, body: unknown) =>
    fetch(`${harness.apiUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${harness.key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  for (const [path, body] of [
    ['/chat/completions', { model: 'kit/embed', messages: [{ role: 'user', content: 'hi' }] }],
    [
      '/chat/completions',
      { model: 'kit/embed', stream: true, messages: [{ role: 'user', content: 'hi' }] },
    ],
    ['/completions', { model: 'kit/embed', prompt: 'hi' }],
  ] as const) {
    const response = await post(path, body);
    assert.equal(response.status, 404, path);
    assert.equal(response.headers.get('x-generation-id'), null);
    const envelope = (await response.json()) as {
      error: { code: number; message: string; metadata: { excluded: Record<string, string> } };
    };
    assert.equal(envelope.error.code, 404);
    assert.match(envelope.error.message, /No endpoints found/);
    assert.deepEqual(Object.values(envelope.error.metadata.excluded), ['api']);
  }
  assert.equal(harness.upstream.requests.length, 0);
  const log = await fetch(`${harness.apiUrl}/generations`, {
    headers: { authorization: `Bearer ${harness.key}` },
  });
  assert.deepEqual(((await log.json()) as { data: unknown[] }).data, []);
  // The same model still serves embeddings.
  harness.upstream.route('/v1/embeddings', {
    kind: 'json',
    body: {
      object: 'list',
      data: [{ object: 'embedding', index: 0, embedding: [0.5, -0.25] }],
      model: 'embed-1',
      usage: { prompt_tokens: 1, total_tokens: 1 },
    },
  });
  const embedded = await post('/embeddings', { model: 'kit/embed', input: 'hi' });
  assert.equal(embedded.status, 200);
});

test('output_modalities in the config names what is wrong', () => {
  const document = config('http://127.0.0.1:9') as { models: Array<Record<string, unknown>> };
  const [, embed] = document.models;
  assert.ok(embed !== undefined);
  embed['output_modalities'] = ['vectors'];
  assert.throws(
    () => parseConfig(document, {}, 'test config'),
    /models\[1\]\.output_modalities\[0\]: must be one of: text, image, audio, embeddings/,
  );
});
