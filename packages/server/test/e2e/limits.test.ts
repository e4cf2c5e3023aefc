import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CurrentKeySchema, GenerationRecordSchema } from '@tollgate/protocol';
import { z } from 'zod';
import { parseUsd } from '../../src/ledger/money.js';
import { holdUntilAllDecided } from '../helpers/gate.js';
import { createKey, getGeneration, postJson } from '../helpers/http.js';
import { openAIChatCompletion } from '../helpers/openai-fixtures.js';
import { defaultTestConfig, startTestGateway } from '../helpers/start-test-gateway.js';

const messages = [{ role: 'user', content: 'count to three' }];
const RecordWithBreakdown = GenerationRecordSchema.extend({
  cost_breakdown: z.object({ total: z.string() }),
});

test('a limited key is refused with 402 before it can overspend, under 200 concurrent requests', async (t) => {
  const harness = await startTestGateway();
  t.after(() => harness.close());
  // Each answer costs 10 × $0.000001 + 100 × $0.000002 = $0.00021; the limit fits ~40 of them.
  const limitUsd = 0.0084;
  const key = await createKey(harness.apiUrl, harness.key, { name: 'limited', limit: limitUsd });
  const total = 200;
  let refused = 0;
  // Hold every accepted request at the upstream until all 200 have been admitted or refused.
  const decideRefused = holdUntilAllDecided(harness.upstream, total, {
    kind: 'json',
    body: openAIChatCompletion({
      content: 'ok',
      usage: { prompt_tokens: 10, completion_tokens: 100 },
    }),
  });
  const results = await Promise.all(
    Array.from({ length: total }, async () => {
      const response = await postJson(harness.apiUrl, '/chat/completions', key, {
        model: 'test/model',
        messages,
        max_tokens: 100,
      });
      if (response.status === 402) {
        refused += 1;
        decideRefused();
        assert.equal(response.headers.get('x-should-retry'), 'false');
        const body = (await response.json()) as { error: { code: number; message: string } };
        assert.equal(body.error.code, 402);
        assert.match(body.error.message, /requires more credits, or fewer max_tokens/);
        return null;
      }
      assert.equal(response.status, 200);
      await response.text();
      return response.headers.get('x-generation-id');
    }),
  );
  const served = results.filter((id): id is string => id !== null);
  assert.ok(served.length > 0, 'some requests fit the limit');
  assert.ok(refused > 0, 'the rest are refused');
  assert.equal(served.length + refused, total);

  let sumPico = 0n;
  for (const id of served) {
    const response = await getGeneration(harness.apiUrl, key, id);
    const record = RecordWithBreakdown.parse(((await response.json()) as { data: unknown }).data);
    sumPico += parseUsd(record.cost_breakdown.total);
  }
  const limitPico = parseUsd(String(limitUsd));
  assert.ok(sumPico <= limitPico, `spent ${sumPico} pico of a ${limitPico} pico limit`);
  const keyInfo = await fetch(`${harness.apiUrl}/key`, {
    headers: { authorization: `Bearer ${key}` },
  });
  const data = CurrentKeySchema.parse(((await keyInfo.json()) as { data: unknown }).data);
  // The ledger reconciles: the key's usage is exactly the sum of its records.
  assert.equal(parseUsd(data.usage.toFixed(12)), sumPico);
  assert.equal(
    await harness.gateway.context.storage.generations.sumUsage(
      (await import('../../src/accounts/api-keys.js')).hashKey(key),
    ),
    sumPico,
  );
});

test('account credits refuse requests once an operator has granted less than they cost', async (t) => {
  const harness = await startTestGateway({ countTokens: false });
  t.after(() => harness.close());
  harness.upstream.route('/v1/chat/completions', {
    kind: 'json',
    body: openAIChatCompletion({
      content: 'ok',
      usage: { prompt_tokens: 10, completion_tokens: 10 },
    }),
  });
  const before = await postJson(harness.apiUrl, '/chat/completions', harness.key, {
    model: 'test/model',
    messages,
  });
  assert.equal(before.status, 200, 'nothing is refused before credits are configured');
  await before.text();
  const grant = await postJson(harness.apiUrl, '/credits', harness.key, { amount: 0.001 });
  assert.equal(grant.status, 201);
  const refused = await postJson(harness.apiUrl, '/chat/completions', harness.key, {
    model: 'test/model',
    messages,
    max_tokens: 1000,
  });
  assert.equal(refused.status, 402);
  const body = (await refused.json()) as { error: { metadata: { scope: string } } };
  assert.equal(body.error.metadata.scope, 'account');
  const small = await postJson(harness.apiUrl, '/chat/completions', harness.key, {
    model: 'test/model',
    messages,
    max_tokens: 10,
  });
  assert.equal(small.status, 200, 'a request whose bound fits is served');
  await small.text();
});

test('a key over its request rate gets 429 with Retry-After and X-RateLimit headers', async (t) => {
  const fixedNow = Date.UTC(2026, 10, 22, 12, 0, 30);
  const harness = await startTestGateway({
    countTokens: false,
    now: () => fixedNow,
    config: (url) => ({
      ...(defaultTestConfig(url) as object),
      rate_limit: { requests: 3, interval_seconds: 60 },
    }),
  });
  t.after(() => harness.close());
  harness.upstream.route('/v1/chat/completions', {
    kind: 'json',
    body: openAIChatCompletion({ content: 'ok' }),
  });
  // Creating a key is a request too: the first of the management key's three.
  const other = await createKey(harness.apiUrl, harness.key, { name: 'other' });
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const response = await postJson(harness.apiUrl, '/chat/completions', harness.key, {
      model: 'test/model',
      messages,
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-ratelimit-limit'), null, 'no rate headers on success');
    await response.text();
  }
  const limited = await postJson(harness.apiUrl, '/chat/completions', harness.key, {
    model: 'test/model',
    messages,
  });
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get('retry-after'), '30');
  assert.equal(limited.headers.get('x-ratelimit-limit'), '3');
  assert.equal(limited.headers.get('x-ratelimit-remaining'), '0');
  assert.equal(limited.headers.get('x-ratelimit-reset'), String(Date.UTC(2026, 10, 22, 12, 1, 0)));
  const body = (await limited.json()) as { error: { code: number; message: string } };
  assert.equal(body.error.code, 429);
  const otherResponse = await postJson(harness.apiUrl, '/chat/completions', other, {
    model: 'test/model',
    messages,
  });
  assert.equal(otherResponse.status, 200, 'another key has its own window');
  await otherResponse.text();
});
