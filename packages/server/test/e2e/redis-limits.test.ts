import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { generateKey, hashKey } from '../../src/accounts/api-keys.js';
import type { ConfigFile } from '../../src/config/config-schema.js';
import { parseConfig } from '../../src/config/load-config.js';
import type { StorageConfig } from '../../src/config/settings.js';
import { formatUsd, parseUsd } from '../../src/ledger/money.js';
import { type RunningGateway, startGateway } from '../../src/start-gateway.js';
import { type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.js';
import { createFreshPostgresDatabase } from '../helpers/fresh-postgres-database.js';
import { holdUntilAllDecided } from '../helpers/gate.js';
import { createKey, postJson } from '../helpers/http.js';
import { journaledStreamFacts, leaveJournaledStream } from '../helpers/journaled-stream.js';
import { openAIChatCompletion } from '../helpers/openai-fixtures.js';
import { freshRedisPrefix, TEST_REDIS_URL } from '../helpers/redis-prefix.js';
import { defaultTestConfig } from '../helpers/start-test-gateway.js';

const messages = [{ role: 'user', content: 'hi' }];
// Each answer: 10 × $0.000001 + 100 × $0.000002 = $0.00021; a request holds up to $0.00021.
const ANSWER = openAIChatCompletion({
  content: 'ok',
  usage: { prompt_tokens: 10, completion_tokens: 100 },
});

/** The default test config, its limits shared through the Redis at `redisUrl` under `prefix`. */
function redisTestConfig(
  upstreamUrl: string,
  redisUrl: string,
  prefix: string,
  extra: object = {},
): ConfigFile {
  return parseConfig(
    {
      ...(defaultTestConfig(upstreamUrl) as object),
      redis_url: redisUrl,
      redis_key_prefix: prefix,
      ...extra,
    },
    {},
    'test config',
  );
}

interface Nodes {
  nodes: RunningGateway[];
  upstream: FakeUpstream;
  adminKey: string;
  api(index: number): string;
}

/** `count` gateways sharing one SQLite file, one fake upstream and the Redis at `redisUrl`. */
async function startNodes(
  t: TestContext,
  options: { count: number; redisUrl: string; prefix: string; extra?: object; now?: () => number },
): Promise<Nodes> {
  const upstream = await startFakeUpstream();
  const dataDir = await mkdtemp(join(tmpdir(), 'tollgate-redis-'));
  const storage: StorageConfig = { kind: 'sqlite', path: join(dataDir, 'tollgate.db') };
  const adminKey = generateKey();
  const config = redisTestConfig(upstream.url, options.redisUrl, options.prefix, options.extra);
  const nodes: RunningGateway[] = [];
  t.after(async () => {
    for (const node of nodes) await node.close();
    await upstream.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  for (let index = 0; index < options.count; index += 1) {
    nodes.push(
      await startGateway({
        port: 0,
        storage,
        config,
        adminKey,
        countTokens: false,
        // Two processes sharing one SQLite file each need their own node id (decision 0052).
        nodeId: `node-${index}`,
        ...(options.now === undefined ? {} : { now: options.now }),
      }),
    );
  }
  return { nodes, upstream, adminKey, api: (index) => `${nodes[index]?.url}/api/v1` };
}

/** The worst-case cost a {@link chat} request holds, as a refusal reports it (pico-USD). */
async function holdOfChat(apiUrl: string, adminKey: string): Promise<bigint> {
  const tiny = await createKey(apiUrl, adminKey, { name: 'probe', limit: 0.000001 });
  const response = await chat(apiUrl, tiny);
  assert.equal(response.status, 402);
  const body = (await response.json()) as { error: { metadata: { max_cost: string } } };
  return parseUsd(body.error.metadata.max_cost);
}

function chat(apiUrl: string, key: string): Promise<Response> {
  return postJson(apiUrl, '/chat/completions', key, {
    model: 'test/model',
    messages,
    max_tokens: 100,
  });
}

/**
 * A key whose limit fits one answer and one more hold, plus half the charge of a recovered
 * stream of 100,000 prompt tokens ($0.1): its second request fits only while that charge is not
 * counted. Its first request is answered here, which sets the key's shared window in Redis.
 */
async function keyShortOfRecoveredCharge(
  apiUrl: string,
  adminKey: string,
  name: string,
): Promise<string> {
  const hold = await holdOfChat(apiUrl, adminKey);
  const answered = parseUsd('0.00021');
  const recovered = parseUsd('0.1');
  const limit = answered + hold + recovered / 2n;
  const key = await createKey(apiUrl, adminKey, { name, limit: Number(formatUsd(limit)) });
  const answer = await chat(apiUrl, key);
  assert.equal(answer.status, 200, 'the first request sets the key’s shared window in Redis');
  await answer.text();
  return key;
}

/** A TCP port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.ok(typeof address === 'object' && address !== null);
  return address.port;
}

/** A TCP proxy to the real Redis that the test can cut (Redis itself keeps running). */
async function redisProxy(): Promise<{ url: string; cut(): Promise<void> }> {
  const target = new URL(TEST_REDIS_URL);
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = new Socket();
    upstream.connect(Number(target.port || 6379), target.hostname);
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(typeof address === 'object' && address !== null);
  return {
    url: `redis://127.0.0.1:${address.port}`,
    async cut() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

test('a key limit holds across two gateways sharing Redis under 80 concurrent requests', async (t) => {
  const prefix = await freshRedisPrefix(t);
  const { nodes, upstream, adminKey, api } = await startNodes(t, {
    count: 2,
    redisUrl: TEST_REDIS_URL,
    prefix,
  });
  const hold = await holdOfChat(api(0), adminKey);
  const limitUsd = '0.0042';
  const fits = Number(parseUsd(limitUsd) / hold);
  const key = await createKey(api(0), adminKey, { name: 'limited', limit: Number(limitUsd) });
  const total = 80;
  // Every admitted request stays in flight until all of them have been admitted or refused.
  const decideRefused = holdUntilAllDecided(upstream, total, { kind: 'json', body: ANSWER });
  const statuses = await Promise.all(
    Array.from({ length: total }, async (_, index) => {
      const response = await chat(api(index % 2), key);
      if (response.status === 402) decideRefused();
      await response.text();
      return response.status;
    }),
  );
  const served = statuses.filter((status) => status === 200).length;
  const refused = statuses.filter((status) => status === 402).length;
  assert.equal(served + refused, total, `statuses: ${[...new Set(statuses)].join(',')}`);
  assert.equal(served, fits, `exactly the ${fits} holds that fit the limit are admitted`);
  const storage = nodes[0]?.context.storage;
  assert.ok(storage !== undefined);
  const spent = await storage.generations.sumUsage(hashKey(key));
  assert.ok(spent <= parseUsd(limitUsd), `spent ${spent} pico of ${parseUsd(limitUsd)}`);
  assert.equal(spent, BigInt(fits) * parseUsd('0.00021'));
  // Settled: the holds became actual charges, so more requests fit again — on either node,
  // counted from the shared counters — until the limit is reached exactly.
  let more = 0;
  for (;;) {
    const response = await chat(api(more % 2), key);
    if (response.status === 402) {
      const body = (await response.json()) as { error: { metadata: { available: string } } };
      const available = parseUsd(body.error.metadata.available);
      assert.equal(available, parseUsd(limitUsd) - spent - BigInt(more) * parseUsd('0.00021'));
      assert.ok(available < hold, 'refused only once the next hold no longer fits');
      break;
    }
    assert.equal(response.status, 200);
    await response.text();
    more += 1;
    assert.ok(more < 100, 'the limit is reached');
  }
});

test('a rate limit is shared by two gateways: the fourth request on either node gets 429', async (t) => {
  const prefix = await freshRedisPrefix(t);
  const fixedNow = Date.UTC(2026, 10, 22, 12, 0, 30);
  const { upstream, adminKey, api } = await startNodes(t, {
    count: 2,
    redisUrl: TEST_REDIS_URL,
    prefix,
    extra: { rate_limit: { requests: 3, interval_seconds: 60 } },
    now: () => fixedNow,
  });
  upstream.route('/v1/chat/completions', { kind: 'json', body: ANSWER });
  const key = await createKey(api(0), adminKey, { name: 'rated' });
  const statuses: number[] = [];
  for (let index = 0; index < 5; index += 1) {
    const response = await chat(api(index % 2), key);
    statuses.push(response.status);
    if (response.status === 429) {
      assert.equal(response.headers.get('retry-after'), '30');
      assert.equal(response.headers.get('x-ratelimit-limit'), '3');
    }
    await response.text();
  }
  assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
});

test('a daily key limit resets at UTC midnight with usage counted across nodes', async (t) => {
  const prefix = await freshRedisPrefix(t);
  let nowMs = Date.UTC(2026, 10, 22, 23, 59, 0);
  const { upstream, adminKey, api } = await startNodes(t, {
    count: 2,
    redisUrl: TEST_REDIS_URL,
    prefix,
    now: () => nowMs,
  });
  upstream.route('/v1/chat/completions', { kind: 'json', body: ANSWER });
  // Two answers ($0.00042) and one more hold would pass the limit by a millionth of a dollar.
  const hold = await holdOfChat(api(0), adminKey);
  const limit = parseUsd('0.00042') + hold - parseUsd('0.000001');
  const key = await createKey(api(0), adminKey, {
    name: 'daily',
    limit: Number(formatUsd(limit)),
    limit_reset: 'daily',
  });
  const day1 = [];
  for (let index = 0; index < 3; index += 1) {
    const response = await chat(api(index % 2), key);
    day1.push(response.status);
    await response.text();
  }
  assert.deepEqual(day1, [200, 200, 402]);
  nowMs = Date.UTC(2026, 10, 23, 0, 0, 1);
  const day2 = [];
  for (let index = 0; index < 3; index += 1) {
    const response = await chat(api(1 - (index % 2)), key);
    day2.push(response.status);
    await response.text();
  }
  assert.deepEqual(day2, [200, 200, 402], 'a new day starts from zero, then holds again');
});

test('with Redis unreachable: rate limits fail closed (503, Retry-After), credit checks never pass, /ready says 503', async (t) => {
  const port = await closedPort();
  const { adminKey, api, upstream, nodes } = await startNodes(t, {
    count: 1,
    redisUrl: `redis://127.0.0.1:${port}`,
    prefix: 'tgtest:unreachable:',
    extra: { rate_limit: { requests: 100, interval_seconds: 60 } },
  });
  upstream.route('/v1/chat/completions', { kind: 'json', body: ANSWER });
  const response = await chat(api(0), adminKey);
  assert.equal(response.status, 503);
  assert.equal(response.headers.get('retry-after'), '1');
  const body = (await response.json()) as { error: { code: number; message: string } };
  assert.equal(body.error.code, 503);
  assert.match(body.error.message, /Rate limiting is temporarily unavailable/);
  assert.equal(upstream.requests.length, 0);
  const ready = await fetch(`${nodes[0]?.url}/ready`);
  assert.equal(ready.status, 503);
  const readyBody = (await ready.json()) as { error: { metadata: { checks: unknown } } };
  assert.deepEqual(readyBody.error.metadata.checks, { storage: 'ok', redis: 'unavailable' });
});

test('with redis_failure: open, requests pass uncounted, but a limited key is still refused (503)', async (t) => {
  const port = await closedPort();
  const { adminKey, api, upstream } = await startNodes(t, {
    count: 1,
    redisUrl: `redis://127.0.0.1:${port}`,
    prefix: 'tgtest:unreachable:',
    extra: { rate_limit: { requests: 1, interval_seconds: 60 }, redis_failure: 'open' },
  });
  upstream.route('/v1/chat/completions', { kind: 'json', body: ANSWER });
  for (let index = 0; index < 3; index += 1) {
    const response = await chat(api(0), adminKey);
    assert.equal(response.status, 200, 'the rate limit is not enforced without Redis');
    await response.text();
  }
  // Creating a key needs no Redis; spending with a limit does, and never fails open.
  const limited = await createKey(api(0), adminKey, { name: 'limited', limit: 1 });
  const refused = await chat(api(0), limited);
  assert.equal(refused.status, 503);
  const body = (await refused.json()) as { error: { message: string } };
  assert.match(body.error.message, /Credit checking is temporarily unavailable/);
});

test('when Redis goes away mid-run, limited requests get 503 instead of overspending', async (t) => {
  const prefix = await freshRedisPrefix(t);
  const proxy = await redisProxy();
  t.after(() => proxy.cut());
  const { adminKey, api, upstream } = await startNodes(t, {
    count: 1,
    redisUrl: proxy.url,
    prefix,
  });
  upstream.route('/v1/chat/completions', { kind: 'json', body: ANSWER });
  const key = await createKey(api(0), adminKey, { name: 'limited', limit: 1 });
  const before = await chat(api(0), key);
  assert.equal(before.status, 200);
  await before.text();
  await proxy.cut();
  const after = await chat(api(0), key);
  assert.equal(after.status, 503);
  assert.equal(after.headers.get('retry-after'), '1');
  const body = (await after.json()) as { error: { code: number; message: string } };
  assert.equal(body.error.code, 503);
  assert.match(body.error.message, /Credit checking is temporarily unavailable/);
  assert.equal(upstream.requests.length, 1, 'nothing reached the upstream without a check');
});

test('usage recorded before Redis was configured counts against the limit, to the pico', async (t) => {
  const prefix = await freshRedisPrefix(t);
  const upstream = await startFakeUpstream();
  const dataDir = await mkdtemp(join(tmpdir(), 'tollgate-redis-'));
  t.after(async () => {
    await upstream.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  upstream.route('/v1/chat/completions', { kind: 'json', body: ANSWER });
  const storage: StorageConfig = { kind: 'sqlite', path: join(dataDir, 'tollgate.db') };
  const adminKey = generateKey();
  const base = defaultTestConfig(upstream.url) as object;
  let started = 0;
  const start = (extra: object) =>
    startGateway({
      port: 0,
      storage,
      adminKey,
      nodeId: `node-${started++}`,
      countTokens: false,
      config: parseConfig({ ...base, ...extra }, {}, 'test config'),
    });
  // Three answers on a single node without Redis (limits in memory).
  const single = await start({});
  const apiSingle = `${single.url}/api/v1`;
  const key = await createKey(apiSingle, adminKey, { name: 'limited', limit: 0.01 });
  for (let index = 0; index < 3; index += 1) {
    const response = await chat(apiSingle, key);
    assert.equal(response.status, 200);
    await response.text();
  }
  await single.close();
  // The same ledger, now with Redis: a refusal reports exactly the limit minus those three.
  const shared = await start({ redis_url: TEST_REDIS_URL, redis_key_prefix: prefix });
  t.after(() => shared.close());
  const apiShared = `${shared.url}/api/v1`;
  const served = await chat(apiShared, key);
  assert.equal(served.status, 200);
  await served.text();
  const hold = await holdOfChat(apiShared, adminKey);
  const patch = await fetch(`${apiShared}/keys/${hashKey(key)}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ limit: Number(formatUsd(4n * parseUsd('0.00021') + hold - 1n)) }),
  });
  assert.equal(patch.status, 200);
  await patch.text();
  const refused = await chat(apiShared, key);
  assert.equal(refused.status, 402);
  const body = (await refused.json()) as { error: { metadata: { available: string } } };
  assert.equal(parseUsd(body.error.metadata.available), hold - 1n);
});

test('a record recovered after a crash counts against a key limit shared through Redis', async (t) => {
  const prefix = await freshRedisPrefix(t);
  const upstream = await startFakeUpstream();
  upstream.route('/v1/chat/completions', { kind: 'json', body: ANSWER });
  const dataDir = await mkdtemp(join(tmpdir(), 'tollgate-redis-recovery-'));
  const storage: StorageConfig = { kind: 'sqlite', path: join(dataDir, 'tollgate.db') };
  const adminKey = generateKey();
  const config = redisTestConfig(upstream.url, TEST_REDIS_URL, prefix);
  const running: RunningGateway[] = [];
  t.after(async () => {
    for (const node of running) await node.close();
    await upstream.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  const start = async () => {
    const node = await startGateway({
      port: 0,
      storage,
      config,
      adminKey,
      countTokens: false,
      nodeId: 'node-that-crashes',
    });
    running.push(node);
    return { node, api: `${node.url}/api/v1` };
  };

  const first = await start();
  const key = await keyShortOfRecoveredCharge(first.api, adminKey, 'crash');

  // What the dead process left: a journaled stream of this key, created after that first hold.
  const facts = journaledStreamFacts({
    id: 'gen-1800000000-RecoveredAfterCrash0001',
    keyHash: hashKey(key),
    normalizedPromptTokens: 100_000,
    priceVersion: 'config:recovery-test',
  });
  await leaveJournaledStream(storage, facts, 'node-that-crashes');
  await first.node.close();
  running.length = 0;

  const second = await start();
  const record = await fetch(`${second.api}/generation?id=${facts.id}`, {
    headers: { authorization: `Bearer ${key}` },
  });
  assert.equal(record.status, 200, 'the stream’s record exists after the restart');
  assert.equal(((await record.json()) as { data: { usage: number } }).data.usage, 0.1);
  const refused = await chat(second.api, key);
  assert.equal(refused.status, 402, 'the recovered charge counts against the limit');
  await refused.text();
});

test('a dead node’s stream recovered by a surviving node counts against a key limit shared through Redis', async (t) => {
  const prefix = await freshRedisPrefix(t);
  const upstream = await startFakeUpstream();
  upstream.route('/v1/chat/completions', { kind: 'json', body: ANSWER });
  const database = await createFreshPostgresDatabase();
  const storage: StorageConfig = { kind: 'postgres', url: database.url };
  const adminKey = generateKey();
  const config = redisTestConfig(upstream.url, TEST_REDIS_URL, prefix);
  const survivor = await startGateway({
    port: 0,
    storage,
    config,
    adminKey,
    countTokens: false,
    nodeId: 'survivor',
    environment: { TOLLGATE_NODE_LEASE_MS: '300' },
  });
  t.after(async () => {
    await survivor.close();
    await upstream.close();
    await database.drop();
  });
  const api = `${survivor.url}/api/v1`;
  const key = await keyShortOfRecoveredCharge(api, adminKey, 'dead');

  // What a node that died and never came back left: a journaled stream and an expired lease.
  const facts = journaledStreamFacts({
    id: 'gen-1800000000-RecoveredByASurvivor01',
    keyHash: hashKey(key),
    normalizedPromptTokens: 100_000,
    priceVersion: 'config:recovery-test',
  });
  await leaveJournaledStream(storage, facts, 'dead-node', { leaseExpired: true });

  // The survivor recovers it on its own beat (or this lookup triggers it): polled, bounded.
  const deadline = Date.now() + 20_000;
  let record: Response;
  for (;;) {
    record = await fetch(`${api}/generation?id=${facts.id}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    if (record.status === 200 || Date.now() > deadline) break;
    await record.text();
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  assert.equal(record.status, 200, 'the dead node’s stream has its record on the survivor');
  assert.equal(((await record.json()) as { data: { usage: number } }).data.usage, 0.1);
  const refused = await chat(api, key);
  assert.equal(refused.status, 402, 'the recovered charge counts against the limit');
  await refused.text();
});

/**
 * Two gateways sharing Redis with their clock frozen, so that no key cache or credit snapshot
 * expires by itself: a change reaches the second node only through what the test is about.
 */
async function startFrozenPair(t: TestContext): Promise<Nodes> {
  const frozen = Date.now();
  const pair = await startNodes(t, {
    count: 2,
    redisUrl: TEST_REDIS_URL,
    prefix: await freshRedisPrefix(t),
    now: () => frozen,
  });
  pair.upstream.route('/v1/chat/completions', { kind: 'json', body: ANSWER });
  return pair;
}

// Decision 0053: a key disabled, re-limited or deleted, or a credit grant, through one node used
// to reach the others only when their caches expired (2 s): meanwhile they kept serving the key
// under its old row. The clock is frozen here, so those caches never expire on their own.
test('a key change or a credit grant made through one node applies on the others at once', {
  timeout: 30_000,
}, async (t) => {
  const { nodes, adminKey, api } = await startFrozenPair(t);
  const [, second] = nodes;
  assert.ok(second !== undefined);
  const key = await createKey(api(0), adminKey, { name: 'changing' });
  const served = await chat(api(1), key);
  assert.equal(served.status, 200, 'node 1 has the key row cached');
  await served.text();

  // A lower limit through node 0: node 1 refuses the next request (402) instead of holding it.
  let applied = second.context.changes.nextApplied();
  const limited = await fetch(`${api(0)}/keys/${hashKey(key)}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ limit: 0.000001 }),
  });
  assert.equal(limited.status, 200);
  await applied;
  const refused = await chat(api(1), key);
  assert.equal(refused.status, 402);
  await refused.text();

  // Disabled through node 0: node 1 refuses it.
  applied = second.context.changes.nextApplied();
  const disabled = await fetch(`${api(0)}/keys/${hashKey(key)}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ disabled: true, limit: null }),
  });
  assert.equal(disabled.status, 200);
  await applied;
  const refusedDisabled = await chat(api(1), key);
  assert.equal(refusedDisabled.status, 401);
  await refusedDisabled.text();

  // A grant smaller than one request's hold through node 0: node 1 refuses what it cannot afford.
  const other = await createKey(api(0), adminKey, { name: 'unlimited' });
  const before = await chat(api(1), other);
  assert.equal(before.status, 200);
  await before.text();
  applied = second.context.changes.nextApplied();
  const grant = await postJson(api(0), '/credits', adminKey, { amount: 0.000001 });
  assert.equal(grant.status, 201);
  await applied;
  const unaffordable = await chat(api(1), other);
  assert.equal(unaffordable.status, 402);
  await unaffordable.text();
});

// Decision 0053: the change feed's message could arrive after node 1 admits a request with the
// row it read before the change. A limited key's reservation is checked against the key's terms
// stored in Redis at the change, so that request is held under the new row. Here the change is
// made as a PATCH makes it, minus the message: node 1 has nothing but Redis to learn it from.
test('a reservation with a key row read before a change is held under the changed row', {
  timeout: 30_000,
}, async (t) => {
  const { nodes, adminKey, api } = await startFrozenPair(t);
  const [first] = nodes;
  assert.ok(first !== undefined);
  const change = async (hash: string, patch: object | null) => {
    const storage = first.context.storage;
    const row = patch === null ? undefined : await storage.apiKeys.update(hash, patch);
    if (patch === null) assert.ok(await storage.apiKeys.delete(hash));
    await first.context.spendGuard.keyChanged(hash, row);
  };
  const served = async (key: string) => {
    const response = await chat(api(1), key);
    await response.text();
    return response.status;
  };

  // A lower limit: refused (402) on node 1, whose cached row still has $1.
  const lowered = await createKey(api(0), adminKey, { name: 'lowered', limit: 1 });
  assert.equal(await served(lowered), 200, 'node 1 has the row with the $1 limit cached');
  await change(hashKey(lowered), { limitPico: 1_000_000n });
  assert.equal(await served(lowered), 402);

  // Disabled, and deleted: refused (401) on node 1.
  const disabled = await createKey(api(0), adminKey, { name: 'disabled', limit: 1 });
  assert.equal(await served(disabled), 200);
  await change(hashKey(disabled), { disabled: true });
  assert.equal(await served(disabled), 401);
  const deleted = await createKey(api(0), adminKey, { name: 'deleted', limit: 1 });
  assert.equal(await served(deleted), 200);
  await change(hashKey(deleted), null);
  assert.equal(await served(deleted), 401);

  // A raised limit is held under the new row at once too, and keeps being served.
  // Room for one answer's hold, not for a second one after its charge ($0.00021).
  const roomForOne = (await holdOfChat(api(0), adminKey)) + parseUsd('0.0001');
  const raised = await createKey(api(0), adminKey, {
    name: 'raised',
    limit: Number(formatUsd(roomForOne)),
  });
  assert.equal(await served(raised), 200);
  assert.equal(await served(raised), 402, 'a second answer does not fit');
  await change(hashKey(raised), { limitPico: 1_000_000_000_000n });
  assert.equal(await served(raised), 200);
  assert.equal(await served(raised), 200);
});
