/**
 * Holds live in Redis only. When Redis loses its data (a restart without persistence) or a hold
 * lapses while its node could not reach Redis, the request it stood for is still in flight: the
 * node that owns it holds it again at its next renewal, so that every node counts it until it
 * settles. Two RedisSpendGuards (two nodes) over one real Redis and one real SQLite store; the
 * renewal runs every 100 ms here (a third of the lease).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { openRedis } from '../../src/accounts/redis-connection.js';
import { RedisSpendGuard } from '../../src/accounts/redis-spend-guard.js';
import { createStorage } from '../../src/storage/create-storage.js';
import { apiKeyRow } from '../contract/storage-contract.js';
import { freshRedisPrefix, TEST_REDIS_URL } from '../helpers/redis-prefix.js';

const LIMIT = 1_000_000n;
const HOLD = 600_000n;

test('a hold Redis lost is held again by its node: the other node refuses what no longer fits', async (t) => {
  const directory = await mkdtemp(join(tmpdir(), 'tollgate-lost-holds-'));
  const storage = await createStorage({ kind: 'sqlite', path: join(directory, 'tollgate.db') });
  const prefix = await freshRedisPrefix(t);
  const settings = { url: TEST_REDIS_URL, keyPrefix: prefix, failure: 'closed' as const };
  const [first, second] = await Promise.all([openRedis(settings), openRedis(settings)]);
  const logger = pino({ level: 'silent' });
  const nodeA = new RedisSpendGuard(storage, first, { now: Date.now, logger, leaseMs: 300 });
  const nodeB = new RedisSpendGuard(storage, second, { now: Date.now, logger, leaseMs: 300 });
  const admin = new Redis(TEST_REDIS_URL);
  t.after(async () => {
    await nodeA.close();
    await nodeB.close();
    await first.close();
    await second.close();
    admin.disconnect();
    await storage.close();
    await rm(directory, { recursive: true, force: true });
  });
  const key = apiKeyRow({ limitPico: LIMIT });
  await storage.apiKeys.insert(key);

  const inFlight = await nodeA.reserve(key, HOLD, 100);
  await assert.rejects(nodeB.reserve(key, HOLD, 100), /requires more credits/);

  // Redis restarts without persistence: every key of this deployment is gone.
  const lost = await admin.keys(`${prefix}*`);
  await admin.del(...lost);
  // Node A's next renewal holds its request again (polled: the renewal runs on A's timer).
  const holdData = `${prefix}hold-data`;
  for (let tries = 0; (await admin.hlen(holdData)) === 0; tries += 1) {
    assert.ok(tries < 400, 'node A held its request again');
    await sleep(25);
  }
  await assert.rejects(nodeB.reserve(key, HOLD, 100), /requires more credits/);

  // Once A's request settles, its hold is released and what it left fits again.
  inFlight.settle(100_000n, Date.now());
  for (let tries = 0; (await admin.hlen(holdData)) !== 0; tries += 1) {
    assert.ok(tries < 400, 'the settle released the hold');
    await sleep(25);
  }
  const next = await nodeB.reserve(key, HOLD, 100);
  next.release();
});
