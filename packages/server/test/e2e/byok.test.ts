import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ChatCompletionSchema,
  type GenerationRecord,
  GenerationRecordSchema,
} from '@tollgate/protocol';
import { generateKey, hashKey } from '../../src/accounts/api-keys.js';
import { parseConfig } from '../../src/config/load-config.js';
import { getGeneration, postJson } from '../helpers/http.js';
import { openAIChatCompletion } from '../helpers/openai-fixtures.js';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

const messages = [{ role: 'user', content: 'bring your own key' }];
// $1 / M prompt, $2 / M completion; the fake upstream reports 1,000 + 500 tokens.
const pricing = { prompt: '0.000001', completion: '0.000002' };
const OWN_SECRET = 'sk-owner-own-provider-key';
const GATEWAY_SECRET = 'sk-gateway-shared-key';

describe('BYOK: requests on the key owner’s own provider credential', () => {
  const ownerKey = generateKey();
  let harness: TestGateway;
  let otherKey: string;

  before(async () => {
    harness = await startTestGateway({
      countTokens: false,
      adminKey: ownerKey,
      config: (url) => ({
        providers: [
          { name: 'Acme', kind: 'openai', base_url: `${url}/v1`, api_key: GATEWAY_SECRET },
          { name: 'Pinned', kind: 'openai', base_url: `${url}/pinned/v1`, api_key: GATEWAY_SECRET },
        ],
        models: [
          { id: 'test/model', endpoints: [{ provider: 'Acme', model: 'm-1', pricing }] },
          { id: 'test/pinned', endpoints: [{ provider: 'Pinned', model: 'p-1', pricing }] },
        ],
        byok: {
          fee_percent: '5',
          credentials: [
            { provider: 'Acme', api_key: OWN_SECRET, key_hashes: [hashKey(ownerKey)] },
            {
              provider: 'Pinned',
              api_key: OWN_SECRET,
              key_hashes: [hashKey(ownerKey)],
              always_use: true,
            },
          ],
        },
      }),
    });
    const created = await postJson(harness.apiUrl, '/keys', ownerKey, { name: 'no byok' });
    assert.equal(created.status, 201);
    otherKey = ((await created.json()) as { key: string }).key;
  });
  after(() => harness.close());

  const ok = () =>
    ({
      kind: 'json',
      body: openAIChatCompletion({ usage: { prompt_tokens: 1000, completion_tokens: 500 } }),
    }) as const;

  async function chat(key: string, model = 'test/model') {
    const response = await postJson(harness.apiUrl, '/chat/completions', key, { model, messages });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async function record(
    key: string,
    id: string,
  ): Promise<GenerationRecord & Record<string, unknown>> {
    const response = await getGeneration(harness.apiUrl, key, id);
    assert.equal(response.status, 200);
    const data = ((await response.json()) as { data: Record<string, unknown> }).data;
    return { ...data, ...GenerationRecordSchema.parse(data) };
  }

  const authorizationOfLast = () => harness.upstream.requests.at(-1)?.headers['authorization'];

  test('runs on the owner’s credential and charges only the fee', async () => {
    harness.upstream.route('/v1/chat/completions', ok());
    const { status, body } = await chat(ownerKey);
    assert.equal(status, 200);
    assert.equal(authorizationOfLast(), `Bearer ${OWN_SECRET}`);
    const completion = ChatCompletionSchema.parse(body);
    // Upstream cost: 1000 × $0.000001 + 500 × $0.000002 = $0.002; fee 5 % = $0.0001.
    assert.equal(completion.usage?.cost, 0.0001);
    assert.equal(completion.usage?.is_byok, true);
    assert.equal(completion.usage?.cost_details?.upstream_inference_cost, 0.002);
    const data = await record(ownerKey, completion.id);
    assert.equal(data.is_byok, true);
    assert.equal(data.total_cost, 0.0001);
    assert.equal(data.usage, 0.0001);
    assert.equal(data.upstream_inference_cost, 0.002);
    assert.deepEqual(
      data.provider_responses?.map((attempt) => [attempt.is_byok, attempt.status]),
      [[true, 200]],
    );
    const breakdown = data['cost_breakdown'] as Record<string, string>;
    assert.equal(breakdown['total'], '0.002');
    assert.equal(breakdown['byok_fee'], '0.0001');
  });

  test('runs another key’s request on the gateway’s credential at the full price', async () => {
    harness.upstream.route('/v1/chat/completions', ok());
    const { status, body } = await chat(otherKey);
    assert.equal(status, 200);
    assert.equal(authorizationOfLast(), `Bearer ${GATEWAY_SECRET}`);
    const data = await record(otherKey, String(body['id']));
    assert.equal(data.is_byok, false);
    assert.equal(data.total_cost, 0.002);
    assert.equal(data.upstream_inference_cost, 0.002);
  });

  test('falls back to the gateway’s credential when the owner’s fails, recording both attempts', async () => {
    harness.upstream.route('/v1/chat/completions', (request) =>
      request.headers['authorization'] === `Bearer ${OWN_SECRET}`
        ? { kind: 'json', status: 429, body: { error: { message: 'your quota is exhausted' } } }
        : ok(),
    );
    const { status, body } = await chat(ownerKey);
    assert.equal(status, 200);
    const data = await record(ownerKey, String(body['id']));
    assert.deepEqual(
      data.provider_responses?.map((attempt) => [attempt.is_byok, attempt.status]),
      [
        [true, 429],
        [false, 200],
      ],
    );
    assert.equal(data.is_byok, false);
    assert.equal(data.total_cost, 0.002);
  });

  test('never falls back when the credential is marked always_use', async () => {
    harness.upstream.route('/pinned/v1/chat/completions', (request) =>
      request.headers['authorization'] === `Bearer ${OWN_SECRET}`
        ? { kind: 'json', status: 429, body: { error: { message: 'your quota is exhausted' } } }
        : ok(),
    );
    const before = harness.upstream.requests.length;
    const { status, body } = await chat(ownerKey, 'test/pinned');
    assert.equal(status, 429);
    assert.equal(harness.upstream.requests.length, before + 1, 'one attempt, on the owner’s key');
    assert.equal((body['error'] as { metadata: { is_byok?: unknown } }).metadata.is_byok, true);
  });

  test('rejects a BYOK credential for an unknown provider, a bad key hash or fee, naming the field', () => {
    const base = {
      providers: [{ name: 'Acme', kind: 'openai', base_url: 'http://127.0.0.1:1/v1' }],
      models: [],
    };
    const cases: Array<[unknown, RegExp]> = [
      [
        { credentials: [{ provider: 'Nope', api_key: 'x', key_hashes: ['a'.repeat(64)] }] },
        /byok\.credentials\[0\]\.provider: unknown provider "Nope"/,
      ],
      [
        { credentials: [{ provider: 'Acme', api_key: 'x', key_hashes: ['sk-tg-v1-abc'] }] },
        /byok\.credentials\[0\]\.key_hashes\[0\]: must be a key hash/,
      ],
      [{ fee_percent: '101' }, /byok\.fee_percent: must be a percentage/],
      [{ fee_percent: -1 }, /byok\.fee_percent: must be a percentage/],
      [{ fee_percent: '1.23456' }, /byok\.fee_percent: must be a percentage/],
    ];
    for (const [byok, message] of cases) {
      assert.throws(() => parseConfig({ ...base, byok }, {}, 'config'), message);
    }
  });
});

describe('BYOK usage on keys', () => {
  const ownerKey = generateKey();
  const ownerHash = hashKey(ownerKey);
  let harness: TestGateway;

  before(async () => {
    harness = await startTestGateway({
      countTokens: false,
      adminKey: ownerKey,
      config: (url) => ({
        providers: [
          { name: 'Acme', kind: 'openai', base_url: `${url}/v1`, api_key: GATEWAY_SECRET },
        ],
        models: [{ id: 'test/model', endpoints: [{ provider: 'Acme', model: 'm-1', pricing }] }],
        byok: {
          fee_percent: '5',
          credentials: [{ provider: 'Acme', api_key: OWN_SECRET, key_hashes: [ownerHash] }],
        },
      }),
    });
    harness.upstream.route('/v1/chat/completions', {
      kind: 'json',
      body: openAIChatCompletion({ usage: { prompt_tokens: 1000, completion_tokens: 500 } }),
    });
  });
  after(() => harness.close());

  const chat = () =>
    postJson(harness.apiUrl, '/chat/completions', ownerKey, { model: 'test/model', messages });
  const send = (path: string, method: string, body?: unknown) =>
    fetch(`${harness.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${ownerKey}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  test('byok_usage sums the upstream cost of BYOK records; usage only the fees', async () => {
    for (let index = 0; index < 3; index += 1) {
      const response = await chat();
      assert.equal(response.status, 200);
      await response.text();
    }
    // Each: upstream $0.002 billed by the provider to the owner; fee 5 % = $0.0001 charged here.
    const current = (await (await send('/key', 'GET')).json()) as { data: Record<string, unknown> };
    assert.equal(current.data['usage'], 0.0003);
    assert.equal(current.data['byok_usage'], 0.006);
    assert.equal(current.data['byok_usage_daily'], 0.006);
    assert.equal(current.data['byok_usage_weekly'], 0.006);
    assert.equal(current.data['byok_usage_monthly'], 0.006);
    const listed = (await (await send(`/keys/${ownerHash}`, 'GET')).json()) as {
      data: Record<string, unknown>;
    };
    assert.equal(listed.data['usage'], 0.0003);
    assert.equal(listed.data['byok_usage'], 0.006);
    assert.equal(listed.data['byok_usage_monthly'], 0.006);
  });

  test('a limited key with include_byok_in_limit is refused BYOK requests, saying what to change', async () => {
    const patched = await send(`/keys/${ownerHash}`, 'PATCH', {
      limit: 1,
      include_byok_in_limit: true,
    });
    assert.equal(patched.status, 200);
    await patched.text();
    const before = harness.upstream.requests.length;
    const refused = await chat();
    assert.equal(refused.status, 400);
    const error = ((await refused.json()) as { error: { code: number; message: string } }).error;
    assert.equal(error.code, 400);
    assert.match(error.message, /include_byok_in_limit/);
    assert.match(error.message, /PATCH \/api\/v1\/keys/);
    assert.equal(harness.upstream.requests.length, before, 'nothing reached the provider');

    const cleared = await send(`/keys/${ownerHash}`, 'PATCH', { include_byok_in_limit: false });
    assert.equal(cleared.status, 200);
    await cleared.text();
    const served = await chat();
    assert.equal(served.status, 200);
    await served.text();
  });
});
