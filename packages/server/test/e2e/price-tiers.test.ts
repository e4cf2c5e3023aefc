import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ChatCompletionSchema, GenerationRecordSchema } from '@tollgate/protocol';
import { parseConfig } from '../../src/config/load-config.js';
import { getGeneration, postJson } from '../helpers/http.js';
import { openAIChatCompletion } from '../helpers/openai-fixtures.js';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

// $1 / M prompt and $2 / M completion up to 1,000 prompt tokens; $3 / M and $4 / M above.
const pricing = { prompt: '0.000001', completion: '0.000002' };
const pricing_tiers = [
  { prompt_tokens_above: 1000, pricing: { prompt: '0.000003', completion: '0.000004' } },
];

describe('long-context price tiers from the config', () => {
  let harness: TestGateway;
  before(async () => {
    harness = await startTestGateway({
      countTokens: false,
      config: (url) => ({
        providers: [{ name: 'Acme', kind: 'openai', base_url: `${url}/v1` }],
        models: [
          {
            id: 'test/long',
            endpoints: [{ provider: 'Acme', model: 'l-1', pricing, pricing_tiers }],
          },
        ],
      }),
    });
  });
  after(() => harness.close());

  async function chargeFor(promptTokens: number) {
    harness.upstream.route('/v1/chat/completions', {
      kind: 'json',
      body: openAIChatCompletion({
        usage: { prompt_tokens: promptTokens, completion_tokens: 100 },
      }),
    });
    const response = await postJson(harness.apiUrl, '/chat/completions', harness.key, {
      model: 'test/long',
      messages: [{ role: 'user', content: 'a long document' }],
    });
    assert.equal(response.status, 200);
    const completion = ChatCompletionSchema.parse(await response.json());
    const lookup = await getGeneration(harness.apiUrl, harness.key, completion.id);
    const record = GenerationRecordSchema.parse(((await lookup.json()) as { data: unknown }).data);
    assert.equal(completion.usage?.cost, record.total_cost);
    return record.total_cost;
  }

  test('charges the base price up to the threshold and the tier price for every token above it', async () => {
    // 1000 × $0.000001 + 100 × $0.000002 = $0.0012
    assert.equal(await chargeFor(1000), 0.0012);
    // 1001 × $0.000003 + 100 × $0.000004 = $0.003403
    assert.equal(await chargeFor(1001), 0.003403);
  });

  test('rejects pricing_tiers without pricing, or two tiers at one threshold, naming the field', () => {
    const config = (endpoint: object) => ({
      providers: [{ name: 'Acme', kind: 'openai', base_url: 'http://127.0.0.1:1/v1' }],
      models: [{ id: 'test/x', endpoints: [{ provider: 'Acme', model: 'x', ...endpoint }] }],
    });
    assert.throws(
      () => parseConfig(config({ pricing_tiers }), {}, 'config'),
      /models\[0\]\.endpoints\[0\]: `pricing_tiers` refine `pricing`/,
    );
    assert.throws(
      () =>
        parseConfig(
          config({ pricing, pricing_tiers: [...pricing_tiers, ...pricing_tiers] }),
          {},
          'config',
        ),
      /models\[0\]\.endpoints\[0\]\.pricing_tiers: two tiers start at the same prompt_tokens_above/,
    );
  });
});
