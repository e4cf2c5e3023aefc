import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { generateKey, hashKey } from '../../src/accounts/api-keys.js';
import { parseConfig } from '../../src/config/load-config.js';
import type { StorageConfig } from '../../src/config/settings.js';
import { formatUsd, parseUsd } from '../../src/ledger/money.js';
import { type RunningGateway, startGateway } from '../../src/start-gateway.js';
import { type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.js';
import { createGate } from '../helpers/gate.js';
import { createKey, postJson } from '../helpers/http.js';
import { openAIChatCompletion } from '../helpers/openai-fixtures.js';
import { freshRedisPrefix, TEST_REDIS_URL } from '../helpers/redis-prefix.js';
import { defaultTestConfig } from '../helpers/start-test-gateway.js';

// Redis loses its data (a restart without persistence): the ledger's part is summed again up to a
// new `since`, which must not precede charges whose counters were lost. Simulated by deleting
// every key under this test's prefix — what a restart does to them — never the whole Redis.

const messages = [{ role: 'user', content: 'hi' }];

function answer(completionTokens: number): object {
  return openAIChatCompletion({
    content: 'ok',
    usage: { prompt_tokens: 10, completion_tokens: completionTokens },
  });
}
/** Charge of {@link answer}: 10 × $0.000001 + n × $0.000002. */
function chargeOf(completionTokens: number): bigint {
  return parseUsd('0.00001') + BigInt(completionTokens) * parseUsd('0.000002');
}

interface Nodes {
  nodes: RunningGateway[];
  upstream: FakeUpstream;
  adminKey: string;
  api(index: number): string;
}

async function startNodes(t: TestContext, count: number, prefix: string): Promise<Nodes> {
  const upstream = await startFakeUpstream();
  const dataDir = await mkdtemp(join(tmpdir(), 'tollgate-redis-loss-'));
  const storage: StorageConfig = { kind: 'sqlite', path: join(dataDir, 'tollgate.db') };
  const adminKey = generateKey();
  const config = parseConfig(
    {
      ...(defaultTestConfig(upstream.url) as object),
      redis_url: TEST_REDIS_URL,
      redis_key_prefix: prefix,
    },
    {},
    'test config',
  );
  const nodes: RunningGateway[] = [];
  t.after(async () => {
    for (const node of nodes) await node.close();
    await upstream.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  for (let index = 0; index < count; index += 1) {
    nodes.push(await startGateway({ port: 0, storage, config, adminKey, countTokens: false }));
  }
  return { nodes, upstream, adminKey, api: (index) => `${nodes[index]?.url}/api/v1` };
}

function chat(apiUrl: string, key: string, maxTokens = 100): Promise<Response> {
  return postJson(apiUrl, '/chat/completions', key, {
    model: 'test/model',
    messages,
    max_tokens: maxTokens,
  });
}

async function holdOfChat(apiUrl: string, adminKey: string, maxTokens = 100): Promise<bigint> {
  const tiny = await createKey(apiUrl, adminKey, { name: 'probe', limit: 0.000001 });
  const response = await chat(apiUrl, tiny, maxTokens);
  assert.equal(response.status, 402);
  const body = (await response.json()) as { error: { metadata: { max_cost: string } } };
  return parseUsd(body.error.metadata.max_cost);
}

/** What a Redis restart without persistence does to this test's keys. */
async function loseRedisData(prefix: string): Promise<void> {
  const client = new Redis(TEST_REDIS_URL);
  try {
    const keys = await client.keys(`${prefix}*`);
    if (keys.length > 0) await client.del(...keys);
  } finally {
    client.disconnect();
  }
}

async function waitFor(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    if (await check()) return;
    await sleep(25);
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('a settle after Redis lost its data does not move `since` back before charges the loss erased', async (t) => {
  const prefix = await freshRedisPrefix(t);
  const { nodes, upstream, adminKey, api } = await startNodes(t, 1, prefix);
  const holdSmall = await holdOfChat(api(0), adminKey, 100);
  const holdBig = await holdOfChat(api(0), adminKey, 1000);
  // Room for one small and one big request in flight together, nothing more once both are spent.
  const limit = holdSmall + holdBig;
  const key = await createKey(api(0), adminKey, {
    name: 'limited',
    limit: Number(formatUsd(limit)),
  });
  const keyHash = hashKey(key);
  const gate = createGate();
  const arrived = createGate();
  upstream.route('/v1/chat/completions', async (request) => {
    const body = request.body as { max_tokens?: number; max_completion_tokens?: number };
    const maxTokens = body.max_tokens ?? body.max_completion_tokens ?? 0;
    if (maxTokens <= 100) {
      arrived.open();
      await gate.opened;
      return { kind: 'json', body: answer(100) };
    }
    return { kind: 'json', body: answer(1000) };
  });
  const redis = new Redis(TEST_REDIS_URL);
  t.after(() => redis.disconnect());
  const everCounter = `${prefix}used:key:${keyHash}:ever:0`;
  // A: a long request, created first.
  const small = chat(api(0), key, 100);
  await arrived.opened;
  // C: created after A, answered and settled into the shared counters.
  const big = await chat(api(0), key, 1000);
  assert.equal(big.status, 200);
  await big.text();
  await waitFor(
    'the big charge in Redis',
    async () => (await redis.get(everCounter)) === String(chargeOf(1000)),
  );
  // Redis restarts: C's charge is only in the ledger now.
  await loseRedisData(prefix);
  const lostAt = Date.now();
  // A finishes: its settle is the first thing the restarted Redis hears of this key.
  gate.open();
  const smallResponse = await small;
  assert.equal(smallResponse.status, 200);
  await smallResponse.text();
  await waitFor('the small charge in Redis', async () => (await redis.get(everCounter)) !== null);
  const since = Number(await redis.hget(`${prefix}spend:key:${keyHash}`, 'since'));
  t.diagnostic(`since after the loss: ${since} (${lostAt - since} ms before the loss)`);
  const storage = nodes[0]?.context.storage;
  assert.ok(storage !== undefined);
  const spentBefore = await storage.generations.sumUsage(keyHash);
  assert.equal(spentBefore, chargeOf(100) + chargeOf(1000));
  // Another big request: it no longer fits (limit − spent < holdBig) …
  const again = await chat(api(0), key, 1000);
  const againStatus = again.status;
  await again.text();
  const spent = await storage.generations.sumUsage(keyHash);
  assert.ok(
    spent <= limit,
    `spent ${spent} pico of a ${limit} pico limit (last request: ${againStatus})`,
  );
  assert.equal(againStatus, 402, `limit ${limit}, spent ${spentBefore}, hold ${holdBig}`);
});
