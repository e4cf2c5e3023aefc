/**
 * A fresh install answers every metered endpoint out of the box: the built-in demo serves chat,
 * legacy completions (JSON and stream) and embeddings, and each leaves a record that the strict
 * `@openrouter/sdk` reads back with the response's cost.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { postJson, readSse } from '../helpers/http.js';
import { openRouterSdk } from '../helpers/openrouter-clients.js';
import { startTestGatewayFor } from '../helpers/start-test-gateway.js';

test('the demo gateway serves chat, completions and embeddings, each with a readable record', async (t) => {
  const harness = await startTestGatewayFor(t, { demo: true });
  const sdk = openRouterSdk(harness);
  const costs = new Map<string, number>();
  const post = async (path: string, body: unknown) => {
    const response = await postJson(harness.apiUrl, path, harness.key, body);
    assert.equal(response.status, 200, path);
    return response;
  };

  const chat = (await (
    await post('/chat/completions', {
      model: 'tollgate/demo',
      messages: [{ role: 'user', content: 'hello' }],
    })
  ).json()) as { id: string; usage: { cost: number } };
  costs.set(chat.id, chat.usage.cost);

  const text = (await (
    await post('/completions', { model: 'tollgate/demo', prompt: ['one', 'two'] })
  ).json()) as { id: string; choices: unknown[]; usage: { cost: number } };
  assert.equal(text.choices.length, 2);
  costs.set(text.id, text.usage.cost);

  const streamed = await readSse(
    await post('/completions', { model: 'tollgate/demo', prompt: 'stream me', stream: true }),
  );
  assert.equal(streamed.done, true);
  const usageChunk = streamed.chunks.at(-1) as { id: string; usage: { cost: number } };
  costs.set(usageChunk.id, usageChunk.usage.cost);

  const embedded = (await (
    await post('/embeddings', { model: 'tollgate/demo-embed', input: ['a', 'b'] })
  ).json()) as { id: string; data: Array<{ embedding: number[] }>; usage: { cost: number } };
  assert.equal(embedded.data.length, 2);
  assert.equal(embedded.data[0]?.embedding.length, 64);
  costs.set(embedded.id, embedded.usage.cost);

  for (const [id, cost] of costs) {
    const record = (await sdk.generations.getGeneration({ id })).data;
    assert.equal(record.id, id);
    assert.equal(record.usage, cost, id);
    assert.ok(record.totalCost > 0, `${id} was billed`);
  }
  const apiTypes = await Promise.all(
    [...costs.keys()].map(async (id) => (await sdk.generations.getGeneration({ id })).data.apiType),
  );
  assert.deepEqual(apiTypes, ['completions', 'completions', 'completions', 'embeddings']);
});
