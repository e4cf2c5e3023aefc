import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ChatCompletionSchema,
  GenerationRecordSchema,
  ModelEndpointsResponseSchema,
} from '@tollgate/protocol';
import { type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.js';
import { getGeneration, postJson } from '../helpers/http.js';
import { openAIChatCompletion } from '../helpers/openai-fixtures.js';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

const messages = [{ role: 'user', content: 'route me' }];
const cheap = { prompt: '0.000001', completion: '0.000002' };
const dear = { prompt: '0.00001', completion: '0.00002' };

describe('provider routing and fallbacks', () => {
  let harness: TestGateway;
  let second: FakeUpstream;
  before(async () => {
    second = await startFakeUpstream();
    harness = await startTestGateway({
      countTokens: false,
      config: (url) => ({
        providers: [
          { name: 'Alpha', kind: 'openai', base_url: `${url}/v1` },
          { name: 'Beta Cloud', kind: 'openai', base_url: `${second.url}/v1` },
        ],
        models: [
          {
            id: 'test/multi',
            endpoints: [
              { provider: 'Alpha', model: 'alpha-1', pricing: dear },
              { provider: 'Beta Cloud', model: 'beta-1', pricing: cheap },
            ],
          },
          { id: 'test/alpha-only', endpoints: [{ provider: 'Alpha', model: 'a', pricing: cheap }] },
          {
            id: 'test/beta-only',
            endpoints: [{ provider: 'Beta Cloud', model: 'b', pricing: cheap }],
          },
        ],
      }),
    });
  });
  after(async () => {
    await harness.close();
    await second.close();
  });

  async function chat(body: object) {
    return postJson(harness.apiUrl, '/chat/completions', harness.key, { messages, ...body });
  }

  async function record(id: string) {
    const response = await getGeneration(harness.apiUrl, harness.key, id);
    return GenerationRecordSchema.parse(((await response.json()) as { data: unknown }).data);
  }

  test('falls back to the next provider when the first is overloaded, recording both attempts', async () => {
    harness.upstream.route('/v1/chat/completions', {
      kind: 'json',
      status: 529,
      body: { error: { message: 'overloaded' } },
    });
    second.route('/v1/chat/completions', {
      kind: 'json',
      body: openAIChatCompletion({ content: 'from beta', id: 'beta-resp' }),
    });
    const response = await chat({ model: 'test/multi' });
    assert.equal(response.status, 200);
    const body = ChatCompletionSchema.parse(await response.json());
    assert.equal(body.provider, 'Beta Cloud');
    const data = await record(body.id);
    assert.equal(data.provider_name, 'Beta Cloud');
    assert.deepEqual(
      data.provider_responses?.map((attempt) => [attempt.provider_name, attempt.status]),
      [
        ['Alpha', 529],
        ['Beta Cloud', 200],
      ],
    );
    assert.equal(data.provider_responses?.[1]?.id, 'beta-resp');
    // Priced at the endpoint that served: Beta's cheap prices (10 + 20 tokens by default).
    assert.equal(data.total_cost, 0.00005);
  });

  test('does not fall back on a client error (400) and does not when allow_fallbacks is false', async () => {
    harness.upstream.route('/v1/chat/completions', {
      kind: 'json',
      status: 400,
      body: { error: { message: 'bad parameter' } },
    });
    const before = second.requests.length;
    const badRequest = await chat({ model: 'test/multi' });
    assert.equal(badRequest.status, 400);
    await badRequest.text();
    harness.upstream.route('/v1/chat/completions', {
      kind: 'json',
      status: 500,
      body: { error: { message: 'down' } },
    });
    const pinned = await chat({
      model: 'test/multi',
      provider: { order: ['alpha'], allow_fallbacks: false },
    });
    assert.equal(pinned.status, 502);
    await pinned.text();
    assert.equal(second.requests.length, before, 'the second provider was never called');
  });

  test('tries the models list in order and prices the model that served', async () => {
    harness.upstream.route('/v1/chat/completions', {
      kind: 'json',
      status: 503,
      body: { error: { message: 'unavailable' } },
    });
    second.route('/v1/chat/completions', {
      kind: 'json',
      body: openAIChatCompletion({ content: 'beta' }),
    });
    const response = await chat({ model: 'test/alpha-only', models: ['test/beta-only'] });
    assert.equal(response.status, 200);
    const body = ChatCompletionSchema.parse(await response.json());
    assert.equal(body.model, 'test/beta-only');
    const data = await record(body.id);
    assert.equal(data.model, 'test/beta-only');
    assert.equal(data.provider_responses?.[0]?.model_permaslug, 'test/alpha-only');
  });

  test('reports every failure when all providers fail', async () => {
    harness.upstream.route('/v1/chat/completions', {
      kind: 'json',
      status: 500,
      body: { error: { message: 'alpha down' } },
    });
    second.route('/v1/chat/completions', {
      kind: 'json',
      status: 502,
      body: { error: { message: 'beta down' } },
    });
    const response = await chat({ model: 'test/multi' });
    assert.equal(response.status, 502);
    const id = response.headers.get('x-generation-id') ?? '';
    const body = (await response.json()) as {
      error: { message: string; metadata: { provider_name: string; previous_errors: unknown[] } };
    };
    assert.match(body.error.message, /beta down/);
    assert.equal(body.error.metadata.provider_name, 'Beta Cloud');
    assert.equal(body.error.metadata.previous_errors.length, 1);
    const data = await record(id);
    assert.equal(data.finish_reason, 'error');
    assert.equal(data.provider_responses?.length, 2);
    assert.equal(data.total_cost, 0);
  });

  test('filters with only, ignore and max_price, and sorts by price', async () => {
    harness.upstream.route('/v1/chat/completions', {
      kind: 'json',
      body: openAIChatCompletion({ content: 'alpha' }),
    });
    second.route('/v1/chat/completions', {
      kind: 'json',
      body: openAIChatCompletion({ content: 'beta' }),
    });
    const provider = async (request: object) => {
      const response = await chat({ model: 'test/multi', ...request });
      assert.equal(response.status, 200);
      return ChatCompletionSchema.parse(await response.json()).provider;
    };
    assert.equal(await provider({}), 'Alpha', 'configuration order by default');
    assert.equal(await provider({ provider: { only: ['beta-cloud'] } }), 'Beta Cloud');
    assert.equal(await provider({ provider: { ignore: ['Alpha'] } }), 'Beta Cloud');
    assert.equal(await provider({ provider: { sort: 'price' } }), 'Beta Cloud');
    assert.equal(await provider({ provider: { max_price: { prompt: 5 } } }), 'Beta Cloud');
    assert.equal(await provider({ provider: { order: ['Beta Cloud'] } }), 'Beta Cloud');
    const none = await chat({ model: 'test/multi', provider: { max_price: { prompt: 0.5 } } });
    assert.equal(none.status, 404);
    const body = (await none.json()) as { error: { message: string } };
    assert.match(body.error.message, /No endpoints found/);
  });

  test('lists live uptime and latency per endpoint from the requests this node served', async () => {
    const response = await fetch(`${harness.apiUrl}/models/test/multi/endpoints`);
    assert.equal(response.status, 200);
    const body = ModelEndpointsResponseSchema.parse(await response.json());
    const byProvider = new Map(
      body.data.endpoints.map((endpoint) => [endpoint.provider_name, endpoint]),
    );
    const alpha = byProvider.get('Alpha');
    const beta = byProvider.get('Beta Cloud');
    assert.ok(alpha && beta);
    // Alpha failed several times above (529, 400, 500, 503…) and served some requests.
    assert.ok(alpha.uptime_last_30m !== null && alpha.uptime_last_30m < 100);
    assert.ok(alpha.uptime_last_30m > 0);
    assert.ok(beta.latency_last_30m !== null && beta.latency_last_30m.p50 >= 0);
  });
});
