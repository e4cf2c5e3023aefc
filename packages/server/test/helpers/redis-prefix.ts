import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import { Redis } from 'ioredis';

/** The Redis the tests share limits through (a local one unless TEST_REDIS_URL names another). */
export const TEST_REDIS_URL = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/**
 * A random key prefix for this test's gateways (`redis_key_prefix`), so tests running at the same
 * time never share counters; every key under it is deleted after the test.
 */
export async function freshRedisPrefix(t: TestContext): Promise<string> {
  const prefix = `tgtest:${randomBytes(6).toString('hex')}:`;
  t.after(async () => {
    const client = new Redis(TEST_REDIS_URL);
    const keys = await client.keys(`${prefix}*`);
    if (keys.length > 0) await client.del(...keys);
    client.disconnect();
  });
  return prefix;
}
