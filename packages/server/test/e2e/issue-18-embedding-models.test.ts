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
