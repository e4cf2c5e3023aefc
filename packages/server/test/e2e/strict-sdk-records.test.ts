/**
 * Every kind of generation record the gateway can produce, read back through the strict
 * `@openrouter/sdk` (its zod schemas reject a null where they declare an optional non-nullable
 * field, e.g. `provider_responses[].id`). A record the SDK cannot parse is a broken promise even
 * when its raw JSON looks right.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { generateKey, hashKey } from '../../src/accounts/api-keys.js';
import {
  fetchCompleteRecord,
  HELD_MARKER,
  routeDurabilityUpstream,
  startGatedUpstream,
} from '../helpers/durability.js';
import type { RecordedRequest } from '../helpers/fake-upstream.js';
import { prepareGatewayFiles, startGatewayProcess } from '../helpers/gateway-process.js';
import { nextCommit, openStreamUntil, postJson, readSse } from '../helpers/http.js';
import { openAIChatCompletion, openAIStreamEvents } from '../helpers/openai-fixtures.js';
import { openRouterSdk } from '../helpers/openrouter-clients.js';
import {
  defaultTestConfig,
  startTestGateway,
  type TestGateway,
} from '../helpers/start-test-gateway.js';
import { startClientRequest } from '../helpers/stream-client.js';

const pricing = { prompt: '0.000001', completion: '0.000002' };
const messages = [{ role: 'user', content: 'parse me strictly' }];

/** Reads `id` through the strict SDK (throws ResponseValidationError on any schema mismatch). */
async function parseStrictly(apiUrl: string, apiKey: string, id: string) {
  const { data } = await openRouterSdk({ apiUrl, key: apiKey }).generations.getGeneration({ id });
  assert.equal(data.id, id);
  return data;
}

/** An OpenAI `/v1/embeddings` answer without an `id`, as OpenAI sends it. */
function embeddingsReply(request: RecordedRequest) {
  const inputs = (request.body as { input: unknown }).input;
  const count = Array.isArray(inputs) ? inputs.length : 1;
  return {
    kind: 'json' as const,
    body: {
      object: 'list',
      model: 'upstream-embed-1',
      data: Array.from({ length: count }, (_, index) => ({
        object: 'embedding',
        index,
        embedding: [0.5, -0.25],
      })),
      usage: { prompt_tokens: 4, total_tokens: 4 },
    },
  };
}

describe('every record kind parses in the strict @openrouter/sdk', () => {
  const ownerKey = generateKey();
  let harness: TestGateway;

  before(async () => {
    harness = await startTestGateway({
      adminKey: ownerKey,
      config: (url) => ({
        providers: [
          { name: 'Acme', kind: 'openai', base_url: `${url}/v1`, api_key: 'sk-acme' },
          { name: 'Broken', kind: 'openai', base_url: `${url}/broken/v1`, api_key: 'sk-broken' },
          { name: 'Owned', kind: 'openai', base_url: `${url}/owned/v1`, api_key: 'sk-gateway' },
        ],
        models: [
          { id: 'test/model', endpoints: [{ provider: 'Acme', model: 'm-1', pricing }] },
          { id: 'test/embed', endpoints: [{ provider: 'Acme', model: 'e-1', pricing }] },
          { id: 'test/broken', endpoints: [{ provider: 'Broken', model: 'b-1', pricing }] },
          {
            id: 'test/fallback',
            endpoints: [
              { provider: 'Broken', model: 'b-1', pricing },
              { provider: 'Acme', model: 'm-1', pricing },
            ],
          },
          { id: 'test/owned', endpoints: [{ provider: 'Owned', model: 'o-1', pricing }] },
          {
            id: 'test/unpriced',
            endpoints: [{ provider: 'Acme', model: 'u-1', pricing: 'unpriced' }],
          },
        ],
        byok: {
          credentials: [{ provider: 'Owned', api_key: 'sk-own', key_hashes: [hashKey(ownerKey)] }],
        },
      }),
    });
    const upstream = harness.upstream;
    const json = () => ({ kind: 'json' as const, body: openAIChatCompletion({ content: 'ok' }) });
    upstream.route('/v1/chat/completions', (request) => {
      const body = request.body as { stream?: boolean; messages: Array<{ content: string }> };
      if (body.messages[0]?.content === 'hold') {
        return {
          kind: 'sse',
          events: openAIStreamEvents({ contents: [HELD_MARKER, ' never sent'] }),
          gate: new Promise<void>(() => undefined),
          gateAfter: 2,
        };
      }
      return body.stream === true
        ? { kind: 'sse', events: openAIStreamEvents({ contents: ['a', 'b'] }) }
        : json();
    });
    upstream.route('/owned/v1/chat/completions', json());
    upstream.route('/broken/v1/chat/completions', {
      kind: 'json',
      status: 500,
      body: { error: { message: 'upstream broke', type: 'server_error' } },
    });
    upstream.route('/v1/completions', {
      kind: 'json',
      body: {
        id: 'cmpl-strict',
        object: 'text_completion',
        created: 1_735_689_600,
        model: 'm-1',
        choices: [{ text: ' there', index: 0, logprobs: null, finish_reason: 'stop' }],
        usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
      },
    });
    upstream.route('/v1/embeddings', embeddingsReply);
  });
  after(() => harness.close());

  async function post(path: string, body: unknown): Promise<{ status: number; id: string }> {
    const response = await postJson(harness.apiUrl, path, ownerKey, body);
    const id = response.headers.get('x-generation-id');
    await response.arrayBuffer();
    assert.ok(id !== null, `${path} answered ${response.status} without X-Generation-Id`);
    return { status: response.status, id };
  }

  test('chat, non-stream', async () => {
    const { status, id } = await post('/chat/completions', { model: 'test/model', messages });
    assert.equal(status, 200);
    const record = await parseStrictly(harness.apiUrl, ownerKey, id);
    assert.equal(record.providerResponses?.[0]?.status, 200);
  });

  test('chat, stream', async () => {
    const response = await postJson(harness.apiUrl, '/chat/completions', ownerKey, {
      model: 'test/model',
      messages,
      stream: true,
    });
    const sse = await readSse(response);
    assert.ok(sse.done);
    const id = String(sse.chunks[0]?.['id']);
    const record = await parseStrictly(harness.apiUrl, ownerKey, id);
    assert.equal(record.streamed, true);
  });

  test('legacy completions', async () => {
    const { status, id } = await post('/completions', { model: 'test/model', prompt: 'hi' });
    assert.equal(status, 200);
    assert.equal((await parseStrictly(harness.apiUrl, ownerKey, id)).apiType, 'completions');
  });

  test('embeddings (the upstream sends no id)', async () => {
    const { status, id } = await post('/embeddings', { model: 'test/embed', input: ['a', 'b'] });
    assert.equal(status, 200);
    const record = await parseStrictly(harness.apiUrl, ownerKey, id);
    assert.equal(record.apiType, 'embeddings');
    assert.equal(record.providerResponses?.[0]?.id, undefined, 'an unknown id is omitted');
  });

  test('upstream error', async () => {
    const { status, id } = await post('/chat/completions', { model: 'test/broken', messages });
    assert.equal(status, 502);
    const record = await parseStrictly(harness.apiUrl, ownerKey, id);
    assert.equal(record.providerResponses?.[0]?.status, 500);
  });

  test('fallback after a failed attempt', async () => {
    const { status, id } = await post('/chat/completions', { model: 'test/fallback', messages });
    assert.equal(status, 200);
    const record = await parseStrictly(harness.apiUrl, ownerKey, id);
    assert.deepEqual(
      record.providerResponses?.map((attempt) => [attempt.providerName, attempt.status]),
      [
        ['Broken', 500],
        ['Acme', 200],
      ],
    );
  });

  test('BYOK', async () => {
    const { status, id } = await post('/chat/completions', { model: 'test/owned', messages });
    assert.equal(status, 200);
    assert.equal((await parseStrictly(harness.apiUrl, ownerKey, id)).isByok, true);
  });

  test('unpriced', async () => {
    const { status, id } = await post('/chat/completions', { model: 'test/unpriced', messages });
    assert.equal(status, 200);
    await parseStrictly(harness.apiUrl, ownerKey, id);
  });

  test('cancelled stream', async () => {
    const committed = nextCommit(harness.gateway, (row) => row.cancelled);
    const held = await openStreamUntil(
      harness.apiUrl,
      ownerKey,
      { model: 'test/model', messages: [{ role: 'user', content: 'hold' }], stream: true },
      HELD_MARKER,
    );
    held.abandon();
    const row = await committed;
    assert.equal(row.id, held.generationId);
    const record = await parseStrictly(harness.apiUrl, ownerKey, held.generationId);
    assert.equal(record.cancelled, true);
  });
});

test('a record recovered after kill -9 parses in the strict @openrouter/sdk', async (t) => {
  const { upstream, gate } = await startGatedUpstream(t);
  routeDurabilityUpstream(upstream, gate.opened);
  const files = await prepareGatewayFiles(t, 'tollgate-strict-', defaultTestConfig(upstream.url));
  const key = files.adminKey;
  const first = await startGatewayProcess(t, files.env);
  const held = startClientRequest(first.apiUrl, '/chat/completions', key, {
    model: 'test/model',
    messages: [{ role: 'user', content: 'hold me' }],
    stream: true,
  });
  await held.received(HELD_MARKER);
  await first.kill('SIGKILL');
  const outcome = await held.outcome;
  const id = outcome.headerId;
  assert.ok(id !== null);

  const second = await startGatewayProcess(t, files.env);
  const raw = await fetchCompleteRecord(second.apiUrl, key, id);
  assert.equal(raw.cancelled, true);
  const record = await parseStrictly(second.apiUrl, key, id);
  assert.equal(record.cancelled, true);
  assert.equal(record.providerResponses?.length, 1);
});
