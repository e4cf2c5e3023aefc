import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GenerationRecordSchema } from '@tollgate/protocol';
import { z } from 'zod';
import { parseUsd } from '../../src/ledger/money.js';
import { startFakeUpstream } from '../helpers/fake-upstream.js';
import { createFreshPostgresDatabase } from '../helpers/fresh-postgres-database.js';
import { holdUntilAllDecided } from '../helpers/gate.js';
import {
  type GatewayProcess,
  prepareGatewayFiles,
  startGatewayProcess,
} from '../helpers/gateway-process.js';
import { getGeneration, postJson } from '../helpers/http.js';
import { openAIChatCompletion } from '../helpers/openai-fixtures.js';
import { freshRedisPrefix, TEST_REDIS_URL } from '../helpers/redis-prefix.js';
import { defaultTestConfig } from '../helpers/start-test-gateway.js';

// Two gateway processes (dist/main.js) on their own ports, sharing one PostgreSQL database and
// one Redis (a key prefix of their own), as N nodes behind a load balancer would.

const RATE_LIMIT = 40;
const messages = [{ role: 'user', content: 'hi' }];
const ANSWER_USD = '0.00021'; // 10 prompt tokens × $0.000001 + 100 completion tokens × $0.000002
const RecordWithBreakdown = GenerationRecordSchema.extend({
  cost_breakdown: z.object({ total: z.string() }),
});

function chat(node: GatewayProcess, key: string): Promise<Response> {
  return postJson(node.apiUrl, '/chat/completions', key, {
    model: 'test/model',
    messages,
    max_tokens: 100,
  });
}

async function createKey(node: GatewayProcess, adminKey: string, body: object): Promise<string> {
  const response = await postJson(node.apiUrl, '/keys', adminKey, body);
  assert.equal(response.status, 201);
  return ((await response.json()) as { key: string }).key;
}

test('a key limit and a rate limit hold across two gateway processes under concurrent load', async (t) => {
  const database = await createFreshPostgresDatabase();
  t.after(() => database.drop());
  const prefix = await freshRedisPrefix(t);
  const upstream = await startFakeUpstream();
  t.after(() => upstream.close());
  const files = await prepareGatewayFiles(t, 'tollgate-multi-', {
    ...(defaultTestConfig(upstream.url) as object),
    redis_key_prefix: prefix,
    // A day-long window: the test cannot straddle a window boundary except at UTC midnight.
    rate_limit: { requests: RATE_LIMIT, interval_seconds: 86_400 },
  });
  const adminKey = files.adminKey;
  const environment = { ...files.env, DATABASE_URL: database.url, REDIS_URL: TEST_REDIS_URL };
  // One after the other: the first runs the migrations and creates the admin key.
  const nodeA = await startGatewayProcess(t, { ...environment, TOLLGATE_NODE_ID: 'node-a' });
  const nodeB = await startGatewayProcess(t, { ...environment, TOLLGATE_NODE_ID: 'node-b' });

  // What one request holds: a key whose limit fits nothing reports it in its 402.
  const probe = await createKey(nodeA, adminKey, { name: 'probe', limit: 0.000001 });
  const refusal = await chat(nodeB, probe);
  assert.equal(refusal.status, 402);
  const hold = parseUsd(
    ((await refusal.json()) as { error: { metadata: { max_cost: string } } }).error.metadata
      .max_cost,
  );

  // 1. The key limit: 36 concurrent requests alternate between the nodes; every admitted one
  //    stays at the upstream until all have been admitted or refused.
  const limitUsd = '0.003';
  const fits = Number(parseUsd(limitUsd) / hold);
  const limited = await createKey(nodeB, adminKey, { name: 'limited', limit: Number(limitUsd) });
  const total = 36;
  assert.ok(fits > 1 && fits < total, `${fits} holds fit`);
  const decideRefused = holdUntilAllDecided(upstream, total, {
    kind: 'json',
    body: openAIChatCompletion({
      content: 'ok',
      usage: { prompt_tokens: 10, completion_tokens: 100 },
    }),
  });
  const results = await Promise.all(
    Array.from({ length: total }, async (_, index) => {
      const response = await chat(index % 2 === 0 ? nodeA : nodeB, limited);
      if (response.status === 402) decideRefused();
      await response.text();
      return { status: response.status, id: response.headers.get('x-generation-id') };
    }),
  );
  const served = results.filter((result) => result.status === 200);
  assert.equal(served.length + results.filter((r) => r.status === 402).length, total);
  assert.equal(served.length, fits, `exactly the ${fits} holds that fit are admitted`);
  // Every record is readable through the other node at once; together they stay in the limit.
  let spent = 0n;
  for (const [index, result] of served.entries()) {
    assert.ok(result.id !== null);
    const response = await getGeneration(
      (index % 2 === 0 ? nodeB : nodeA).apiUrl,
      adminKey,
      result.id,
    );
    assert.equal(response.status, 200);
    const record = RecordWithBreakdown.parse(((await response.json()) as { data: unknown }).data);
    spent += parseUsd(record.cost_breakdown.total);
  }
  assert.equal(spent, BigInt(fits) * parseUsd(ANSWER_USD));
  assert.ok(spent <= parseUsd(limitUsd), `Σ records ${spent} ≤ limit ${parseUsd(limitUsd)}`);

  // 2. The rate limit: 60 concurrent requests of a fresh key over both nodes; exactly
  //    RATE_LIMIT pass, the rest get 429.
  upstream.route('/v1/chat/completions', {
    kind: 'json',
    body: openAIChatCompletion({
      content: 'ok',
      usage: { prompt_tokens: 1, completion_tokens: 1 },
    }),
  });
  const rated = await createKey(nodeA, adminKey, { name: 'rated' });
  const statuses = await Promise.all(
    Array.from({ length: 60 }, async (_, index) => {
      const response = await chat(index % 2 === 0 ? nodeB : nodeA, rated);
      await response.text();
      return response.status;
    }),
  );
  assert.equal(statuses.filter((status) => status === 200).length, RATE_LIMIT);
  assert.equal(statuses.filter((status) => status === 429).length, 60 - RATE_LIMIT);
});
