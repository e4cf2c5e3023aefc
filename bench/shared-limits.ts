// Per-request cost of the shared (Redis) limits against the single-node in-memory ones.
//   node --import tsx bench/shared-limits.ts [iterations]
// Needs Redis at TEST_REDIS_URL (default redis://127.0.0.1:6379); keys live under a random prefix
// and are deleted afterwards. Figures are recorded in docs/decisions/0008-shared-limits.md.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import {
  MemoryRateLimiter,
  type RateLimiter,
} from '../packages/server/src/accounts/rate-limiter.js';
import { openRedis } from '../packages/server/src/accounts/redis-connection.js';
import { RedisRateLimiter } from '../packages/server/src/accounts/redis-rate-limiter.js';
import { RedisSpendGuard } from '../packages/server/src/accounts/redis-spend-guard.js';
import { type SpendControl, SpendGuard } from '../packages/server/src/accounts/spend-guard.js';
import { createStorage } from '../packages/server/src/storage/create-storage.js';
import type { ApiKeyRow } from '../packages/server/src/storage/storage.js';

const iterations = Number(process.argv[2] ?? 5000);
const redisUrl = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const prefix = `tgbench:${randomBytes(6).toString('hex')}:`;
const dataDir = await mkdtemp(join(tmpdir(), 'tollgate-bench-limits-'));
const storage = await createStorage({ kind: 'sqlite', path: join(dataDir, 'tollgate.db') });
const redis = await openRedis({ url: redisUrl, keyPrefix: prefix, failure: 'closed' });
const logger = pino({ level: 'silent' });

const key: ApiKeyRow = {
  hash: 'f'.repeat(64),
  name: 'bench',
  label: 'bench',
  storeContent: false,
  isManagement: false,
  disabled: false,
  limitPico: 10n ** 18n, // $1,000,000: never refused, so every request does the full check
  limitReset: 'daily',
  includeByokInLimit: false,
  workspaceId: 'default',
  creatorUserId: null,
  createdAt: new Date().toISOString(),
  updatedAt: null,
  expiresAt: null,
  rateLimit: null,
};

async function timeSpend(guard: SpendControl, concurrency: number): Promise<number> {
  const started = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < iterations) {
        next += 1;
        const hold = await guard.reserve(key, 380_000_000n, 100);
        hold.settle(210_000_000n, Date.now());
      }
    }),
  );
  return Number(process.hrtime.bigint() - started) / 1e3 / iterations;
}

async function timeRate(limiter: RateLimiter, concurrency: number): Promise<number> {
  const started = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < iterations) {
        next += 1;
        await limiter.hit(key.hash, { requests: 1e9, intervalSeconds: 60 }, Date.now());
      }
    }),
  );
  return Number(process.hrtime.bigint() - started) / 1e3 / iterations;
}

const memory = new SpendGuard(storage, { now: Date.now });
const shared = new RedisSpendGuard(storage, redis, { now: Date.now, logger });
const rows: string[] = [];
for (const concurrency of [1, 64]) {
  await timeSpend(shared, concurrency); // warm-up: scripts loaded, since and stored sums cached
  rows.push(
    `| reserve + settle, concurrency ${concurrency} | ${(await timeSpend(memory, concurrency)).toFixed(1)} µs | ${(await timeSpend(shared, concurrency)).toFixed(1)} µs |`,
    `| rate-limit hit, concurrency ${concurrency} | ${(await timeRate(new MemoryRateLimiter(), concurrency)).toFixed(1)} µs | ${(await timeRate(new RedisRateLimiter(redis), concurrency)).toFixed(1)} µs |`,
  );
}
process.stdout.write(
  `${iterations} iterations each; wall time per request (at concurrency 64: 1 / throughput)\n\n` +
    '| Operation | In memory (one node) | Redis (shared) |\n| --- | --- | --- |\n' +
    `${rows.join('\n')}\n`,
);
await shared.close();
const keys = await redis.client.keys(`${prefix}*`);
if (keys.length > 0) await redis.client.del(...keys);
await redis.close();
await storage.close();
await rm(dataDir, { recursive: true, force: true });
