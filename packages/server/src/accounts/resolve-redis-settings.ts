import type { ConfigFile } from '../config/config-schema.js';
import { ConfigError } from '../config/load-config.js';
import type { RedisSettings } from './redis-connection.js';

const REDIS_URL = /^rediss?:\/\//;

/**
 * Redis when `REDIS_URL` (or the config's `redis_url`) is set — env wins — else null (limits are
 * then kept in this process only). Errors never echo the URL: it may carry a password.
 */
export function resolveRedisSettings(
  environment: Readonly<Record<string, string | undefined>>,
  config: Pick<ConfigFile, 'redis_url' | 'redis_key_prefix' | 'redis_failure'>,
): RedisSettings | null {
  const url = environment['REDIS_URL'] || config.redis_url;
  if (url === undefined || url === '') return null;
  if (!REDIS_URL.test(url)) throw new ConfigError('REDIS_URL must be a redis:// or rediss:// URL');
  return {
    url,
    keyPrefix: config.redis_key_prefix ?? 'tollgate:',
    failure: config.redis_failure ?? 'closed',
  };
}
