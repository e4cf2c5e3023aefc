import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorEnvelopeSchema } from '@tollgate/protocol';
import { getGeneration, postJson } from '../helpers/http.js';
import { openAIChatCompletion } from '../helpers/openai-fixtures.js';
import { defaultTestConfig, startTestGateway } from '../helpers/start-test-gateway.js';

const messages = [{ role: 'user', content: 'Hello' }];

test('records deleted by retention answer 404 while key usage and account usage stay the same', async (t) => {
  const harness = await startTestGateway({
    // A configured retention period: the gateway starts its job (nothing is old enough yet).
    config: (upstreamUrl) => ({
      ...(defaultTestConfig(upstreamUrl) as object),
      retention_days: 30,
    }),
  });
  t.after(() => harness.close());
  harness.upstream.route('/v1/chat/completions', {
    kind: 'json',
    body: openAIChatCompletion({ usage: { prompt_tokens: 1234, completion_tokens: 567 } }),
  });
  const created = await postJson(harness.apiUrl, '/keys', harness.key, { name: 'r', limit: 10 });
  const { key } = (await created.json()) as { key: string };
  const ids: string[] = [];
  for (let index = 0; index < 3; index += 1) {
    const response = await postJson(harness.apiUrl, '/chat/completions', key, {
      model: 'test/model',
      messages,
    });
    assert.equal(response.status, 200);
    ids.push(((await response.json()) as { id: string }).id);
  }
  const keyView = async () =>
    (await (
      await fetch(`${harness.apiUrl}/key`, { headers: { authorization: `Bearer ${key}` } })
    ).json()) as {
      data: { usage: number; usage_daily: number; limit_remaining: number };
    };
  const credits = async () =>
    (await (
      await fetch(`${harness.apiUrl}/credits`, {
        headers: { authorization: `Bearer ${harness.key}` },
      })
    ).json()) as { data: { total_usage: number } };
  const before = { key: await keyView(), credits: await credits() };
  assert.ok(before.key.data.usage > 0);

  // What the periodic job does once the records are older than the retention period.
  const storage = harness.gateway.context.storage;
  assert.equal(await storage.retention.purgeBatch('9999-12-31T00:00:00.000Z', 2), 2);
  assert.equal(await storage.retention.purgeBatch('9999-12-31T00:00:00.000Z', 2), 1);

  for (const id of ids) {
    const response = await getGeneration(harness.apiUrl, key, id);
    assert.equal(response.status, 404);
    const envelope = ErrorEnvelopeSchema.parse(await response.json());
    assert.equal(envelope.error.code, 404);
  }
  assert.deepEqual(await keyView(), before.key);
  assert.deepEqual(await credits(), before.credits);
});
