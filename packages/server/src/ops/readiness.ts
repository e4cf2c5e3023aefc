import type { RedisConnection } from '../accounts/redis-connection.js';
import type { Storage } from '../storage/storage.js';

/** The state of one dependency: reachable, unreachable, or not part of this deployment. */
export type CheckState = 'ok' | 'unavailable' | 'not_configured';

/** What `GET /ready` reports. */
export interface ReadinessReport {
  ready: boolean;
  checks: { storage: CheckState; redis: CheckState };
}

/** A probe of the dependencies a request needs. */
export type ReadinessCheck = () => Promise<ReadinessReport>;

// A lookup by primary key of an id that never exists: one indexed round trip to the database.
const PROBE_ID = 'gen-readiness-probe';

async function probe(work: () => Promise<unknown>): Promise<CheckState> {
  try {
    await work();
    return 'ok';
  } catch {
    return 'unavailable';
  }
}

/**
 * Builds the readiness probe: storage answers a lookup and still acknowledges writes (a failed
 * WAL sync stops them until a restart), Redis (when configured) a PING.
 */
export function createReadinessCheck(
  storage: Storage,
  redis: RedisConnection | null,
): ReadinessCheck {
  return async () => {
    const [storageState, redisState] = await Promise.all([
      storage.writeFailure() === null
        ? probe(() => storage.generations.get(PROBE_ID))
        : Promise.resolve<CheckState>('unavailable'),
      redis === null ? Promise.resolve<CheckState>('not_configured') : probe(() => redis.ping()),
    ]);
    return {
      ready: storageState === 'ok' && redisState !== 'unavailable',
      checks: { storage: storageState, redis: redisState },
    };
  };
}
