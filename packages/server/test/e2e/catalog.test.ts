/**
 * The public catalog (`/models`, `/models/count`, `/model/{author}/{slug}`,
 * `/models/{author}/{slug}/endpoints`, `/providers`) read by the strict `@openrouter/sdk`, by
 * `openai`, and by plain fetch checked against our own wire schemas.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { OpenRouter } from '@openrouter/sdk';
import { BadRequestResponseError, NotFoundResponseError } from '@openrouter/sdk/models/errors';
import {
  ErrorEnvelopeSchema,
  ModelEndpointsResponseSchema,
  ModelResponseSchema,
  ModelsCountResponseSchema,
  ModelsListResponseSchema,
  ProvidersResponseSchema,
} from '@tollgate/protocol';
import OpenAI from 'openai';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

const ALPHA = 'acme/alpha';
const BETA = 'acme/beta';
const GAMMA = 'beta/gamma:free';
const ALPHA_CREATED = 1_700_000_000;

/** Three models over two providers; `acme/beta` leaves every optional field out. */
function catalogConfig(upstreamUrl: string): unknown {
  return {
    providers: [
      { name: 'Acme', kind: 'openai', base_url: `${upstreamUrl}/v1`, api_key: 'sk-a' },
      { name: 'Beta Cloud, Inc.', kind: 'openai', base_url: `${upstreamUrl}/beta/v1` },
    ],
    models: [
      {
        id: ALPHA,
        name: 'Alpha',
        description: 'The alpha model.',
        context_length: 128_000,
        max_completion_tokens: 4096,
        created: ALPHA_CREATED,
        input_modalities: ['image', 'text'],
        endpoints: [
          {
            provider: 'Acme',
            model: 'alpha-1',
            pricing: { prompt: '0.000001', completion: '0.000002', input_cache_read: '0.0000001' },
          },
          {
            provider: 'Beta Cloud, Inc.',
            model: 'alpha-hosted',
            pricing: { prompt: '0.0000015', completion: '0.000003' },
          },
        ],
      },
      {
        id: BETA,
        endpoints: [
          { provider: 'Acme', model: 'beta-1', pricing: { prompt: '0.0000005', completion: '0' } },
        ],
      },
      {
        id: GAMMA,
        name: 'Gamma (free)',
        context_length: 8192,
        endpoints: [
          {
            provider: 'Beta Cloud, Inc.',
            model: 'gamma',
            pricing: { prompt: '0', completion: '0', request: '0' },
          },
        ],
      },
    ],
  };
}

/** GETs `<apiUrl><path>` and returns the status and parsed JSON body. */
async function getJson(
  harness: TestGateway,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; contentType: string; body: unknown }> {
  const response = await fetch(`${harness.apiUrl}${path}`, { headers });
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    body: await response.json(),
  };
}

describe('catalog endpoints', () => {
  let harness: TestGateway;
  let client: OpenRouter;
  let startedAt: number;
  before(async () => {
    startedAt = Math.floor(Date.now() / 1000);
    harness = await startTestGateway({ config: catalogConfig, countTokens: false });
    client = new OpenRouter({
      apiKey: harness.key,
      serverURL: harness.apiUrl,
      retryConfig: { strategy: 'none' },
    });
  });
  after(() => harness.close());

  test('models.list() parses every configured model with honest field values', async () => {
    const pages = await client.models.list();
    const { data, totalCount, links } = pages.result;
    assert.deepEqual(
      data.map((model) => model.id),
      [ALPHA, BETA, GAMMA],
    );
    assert.equal(totalCount, 3);
    assert.equal(links.next, null);

    const [alpha, beta] = data;
    assert.ok(alpha !== undefined && beta !== undefined);
    assert.equal(alpha.canonicalSlug, ALPHA);
    assert.equal(alpha.name, 'Alpha');
    assert.equal(alpha.description, 'The alpha model.');
    assert.equal(alpha.created, ALPHA_CREATED);
    assert.equal(alpha.contextLength, 128_000);
    assert.deepEqual(alpha.architecture, {
      modality: 'text+image->text',
      inputModalities: ['text', 'image'],
      outputModalities: ['text'],
      tokenizer: 'Other',
      instructType: null,
    });
    assert.deepEqual(alpha.pricing, {
      prompt: '0.000001',
      completion: '0.000002',
      inputCacheRead: '0.0000001',
    });
    assert.deepEqual(alpha.topProvider, {
      contextLength: 128_000,
      maxCompletionTokens: 4096,
      isModerated: false,
    });
    assert.equal(alpha.perRequestLimits, null);
    assert.equal(alpha.defaultParameters, null);
    assert.equal(alpha.supportedVoices, null);
    assert.ok(alpha.supportedParameters.includes('tools'));
    assert.ok(alpha.supportedParameters.includes('response_format'));
    assert.ok(!alpha.supportedParameters.includes('reasoning'));
    assert.deepEqual(alpha.links, { details: `/api/v1/models/${ALPHA}/endpoints` });

    assert.equal(beta.name, BETA, 'the name defaults to the id');
    assert.equal(beta.description, '');
    assert.equal(beta.contextLength, null);
    assert.deepEqual(beta.architecture.inputModalities, ['text']);
    assert.ok(beta.created >= startedAt && beta.created <= Math.floor(Date.now() / 1000));
  });

  test('the raw /models body matches the wire schema and needs no key', async () => {
    const anonymous = await getJson(harness, '/models');
    assert.equal(anonymous.status, 200);
    assert.match(anonymous.contentType, /^application\/json/);
    const body = ModelsListResponseSchema.parse(anonymous.body);
    assert.equal(body.total_count, 3);
    const invalidKey = await getJson(harness, '/models', { authorization: 'Bearer sk-not-a-key' });
    assert.equal(invalidKey.status, 200);
    assert.deepEqual(invalidKey.body, anonymous.body);
  });

  test('models.list({ limit: 2, offset: 0 }) pages through links.next', async () => {
    const pages = await client.models.list({ limit: 2, offset: 0 });
    const seen: string[][] = [];
    for await (const page of pages) {
      assert.equal(page.result.totalCount, 3);
      seen.push(page.result.data.map((model) => model.id));
    }
    assert.deepEqual(seen, [[ALPHA, BETA], [GAMMA]]);

    const first = ModelsListResponseSchema.parse(
      (await getJson(harness, '/models?limit=2&offset=0')).body,
    );
    assert.equal(first.links.next, '/api/v1/models?offset=2&limit=2');
    const nextUrl = new URL(first.links.next ?? '', harness.apiUrl);
    const second = ModelsListResponseSchema.parse(
      (await getJson(harness, `${nextUrl.pathname.slice('/api/v1'.length)}${nextUrl.search}`)).body,
    );
    assert.deepEqual(
      second.data.map((model) => model.id),
      [GAMMA],
    );
    assert.equal(second.total_count, 3);
    assert.equal(second.links.next, null);
  });

  test('only offset given pages with the default limit of 500', async () => {
    const body = ModelsListResponseSchema.parse((await getJson(harness, '/models?offset=1')).body);
    assert.deepEqual(
      body.data.map((model) => model.id),
      [BETA, GAMMA],
    );
    assert.equal(body.total_count, 3);
    assert.equal(body.links.next, null);
    const beyond = ModelsListResponseSchema.parse(
      (await getJson(harness, '/models?offset=10&limit=5')).body,
    );
    assert.deepEqual(beyond.data, []);
    assert.equal(beyond.total_count, 3);
  });

  test('filters by supported_parameters and output_modalities; next keeps the filters', async () => {
    const tools = ModelsListResponseSchema.parse(
      (await getJson(harness, '/models?supported_parameters=tools,seed&limit=1')).body,
    );
    assert.equal(tools.total_count, 3);
    assert.equal(
      tools.links.next,
      '/api/v1/models?offset=1&limit=1&supported_parameters=tools%2Cseed',
    );
    const reasoning = ModelsListResponseSchema.parse(
      (await getJson(harness, '/models?supported_parameters=reasoning')).body,
    );
    assert.equal(reasoning.total_count, 0);
    const images = ModelsListResponseSchema.parse(
      (await getJson(harness, '/models?output_modalities=image')).body,
    );
    assert.equal(images.total_count, 0);
    const all = ModelsListResponseSchema.parse(
      (await getJson(harness, '/models?output_modalities=all&category=programming')).body,
    );
    assert.equal(all.total_count, 3);
    const imageCount = ModelsCountResponseSchema.parse(
      (await getJson(harness, '/models/count?output_modalities=image')).body,
    );
    assert.equal(imageCount.data.count, 0);
  });

  test('models.count() counts the catalog', async () => {
    const count = await client.models.count();
    assert.deepEqual(count, { data: { count: 3 } });
    ModelsCountResponseSchema.parse((await getJson(harness, '/models/count')).body);
  });

  test('models.get({ author, slug }) returns one model, colon slugs included', async () => {
    const alpha = await client.models.get({ author: 'acme', slug: 'alpha' });
    assert.equal(alpha.data.id, ALPHA);
    assert.equal(alpha.data.created, ALPHA_CREATED);
    const gamma = await client.models.get({ author: 'beta', slug: 'gamma:free' });
    assert.equal(gamma.data.name, 'Gamma (free)');
    assert.deepEqual(gamma.data.pricing, { prompt: '0', completion: '0', request: '0' });
    const raw = ModelResponseSchema.parse((await getJson(harness, `/model/${ALPHA}`)).body);
    const listed = ModelsListResponseSchema.parse((await getJson(harness, '/models')).body);
    assert.deepEqual(raw.data, listed.data[0]);
  });

  test('endpoints.list({ author, slug }) lists every provider of the model', async () => {
    const { data } = await client.endpoints.list({ author: 'acme', slug: 'alpha' });
    assert.equal(data.id, ALPHA);
    assert.equal(data.created, ALPHA_CREATED);
    assert.equal(data.architecture.tokenizer, 'Other');
    assert.deepEqual(
      data.endpoints.map((endpoint) => [endpoint.name, endpoint.providerName, endpoint.tag]),
      [
        [`Acme | ${ALPHA}`, 'Acme', 'acme'],
        [`Beta Cloud, Inc. | ${ALPHA}`, 'Beta Cloud, Inc.', 'beta-cloud-inc'],
      ],
    );
    const [acme, beta] = data.endpoints;
    assert.ok(acme !== undefined && beta !== undefined);
    assert.equal(acme.modelId, ALPHA);
    assert.equal(acme.modelName, 'Alpha');
    assert.equal(acme.contextLength, 128_000);
    assert.equal(acme.maxCompletionTokens, 4096);
    assert.equal(acme.maxPromptTokens, null);
    assert.equal(acme.quantization, null);
    assert.equal(acme.status, 0);
    assert.equal(acme.uptimeLast30m, null);
    assert.equal(acme.latencyLast30m, null);
    assert.equal(acme.throughputLast30m, null);
    assert.equal(acme.supportsImplicitCaching, false);
    assert.deepEqual(acme.supportsToolChoice, {
      auto: true,
      function: true,
      none: true,
      required: true,
    });
    assert.deepEqual(beta.pricing, { prompt: '0.0000015', completion: '0.000003' });

    const raw = ModelEndpointsResponseSchema.parse(
      (await getJson(harness, `/models/${BETA}/endpoints`)).body,
    );
    assert.equal(raw.data.endpoints[0]?.context_length, 0, 'unknown context window');
  });

  test('providers.list() lists both providers with slugs', async () => {
    const { data } = await client.providers.list();
    assert.deepEqual(data, [
      {
        name: 'Acme',
        slug: 'acme',
        privacyPolicyUrl: null,
        termsOfServiceUrl: null,
        statusPageUrl: null,
      },
      {
        name: 'Beta Cloud, Inc.',
        slug: 'beta-cloud-inc',
        privacyPolicyUrl: null,
        termsOfServiceUrl: null,
        statusPageUrl: null,
      },
    ]);
    ProvidersResponseSchema.parse((await getJson(harness, '/providers')).body);
  });

  test('an unknown model is a 404 NotFoundResponseError for get and endpoints', async () => {
    await assert.rejects(client.models.get({ author: 'acme', slug: 'nope' }), (error) => {
      assert.ok(error instanceof NotFoundResponseError);
      assert.equal(error.statusCode, 404);
      assert.match(error.message, /acme\/nope/);
      return true;
    });
    await assert.rejects(
      client.endpoints.list({ author: 'acme', slug: 'nope' }),
      NotFoundResponseError,
    );
    const raw = await getJson(harness, '/model/acme/nope');
    assert.equal(raw.status, 404);
    assert.equal(ErrorEnvelopeSchema.parse(raw.body).error.code, 404);
  });

  test('bad paging is a 400 envelope naming the parameter', async () => {
    const cases: Array<[string, string]> = [
      ['limit=0', 'limit'],
      ['limit=abc', 'limit'],
      ['limit=1001', 'limit'],
      ['limit=2.5', 'limit'],
      ['offset=-1', 'offset'],
      ['offset=', 'offset'],
    ];
    for (const [query, parameter] of cases) {
      const response = await getJson(harness, `/models?${query}`);
      assert.equal(response.status, 400, query);
      assert.match(response.contentType, /^application\/json/);
      const envelope = ErrorEnvelopeSchema.parse(response.body);
      assert.equal(envelope.error.code, 400);
      assert.match(envelope.error.message, new RegExp(`\\b${parameter}\\b`), query);
    }
    await assert.rejects(client.models.list({ limit: 0 }), (error) => {
      assert.ok(error instanceof BadRequestResponseError);
      assert.match(error.message, /limit: must be an integer from 1 to 1000/);
      return true;
    });
  });

  test('the openai client lists the models too', async () => {
    const openai = new OpenAI({ apiKey: harness.key, baseURL: harness.apiUrl, maxRetries: 0 });
    const ids: string[] = [];
    for await (const model of openai.models.list()) ids.push(model.id);
    assert.deepEqual(ids, [ALPHA, BETA, GAMMA]);
  });
});
