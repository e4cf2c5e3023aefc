import type { Logger } from 'pino';
import type { ApiKeyRow } from '../storage/storage.js';
import type { ApiKeyAuthenticator } from './api-keys.js';
import type { RedisConnection } from './redis-connection.js';
import type { SpendControl } from './spend-guard.js';

/**
 * Changes to keys and credit that every node applies at once instead of when its caches expire
 * (the key cache and the credit snapshot, 2 s each): a key disabled, deleted or given a lower
 * limit, or a credit grant, made through one node. Decision 0053.
 */
export interface ChangeFeed {
  /**
   * A key's row changed (patched; undefined: deleted): its limit terms are stored where every
   * node's reservations check them, then every node drops its cached copy.
   */
  keyChanged(hash: string, row: ApiKeyRow | undefined): Promise<void>;
  /** A credit grant was added: every node reads the account's credit again. */
  creditsChanged(): Promise<void>;
  /** Changes applied on this node so far (its own and other nodes'). */
  readonly applied: number;
  /** Resolves once this node has applied one more change. */
  nextApplied(): Promise<void>;
  close(): Promise<void>;
}

/** What a change is applied to on this node. */
export interface ChangeTargets {
  authenticator: Pick<ApiKeyAuthenticator, 'forget' | 'forgetAll'>;
  spendGuard: Pick<SpendControl, 'refreshCredits' | 'keyChanged'>;
  logger: Logger;
}

/** Applies changes on this node and counts them. */
class Applier {
  applied = 0;
  #waiting: Array<() => void> = [];

  constructor(readonly targets: ChangeTargets) {}

  /** Applies one message of the feed: `key <hash>` or `credits`; anything else is ignored. */
  apply(message: string): Promise<void> {
    if (message === CREDITS) return this.#run(() => this.targets.spendGuard.refreshCredits());
    if (message.startsWith(KEY)) {
      return this.#run(async () => this.targets.authenticator.forget(message.slice(KEY.length)));
    }
    return Promise.resolve();
  }

  /** Drops every cached key and reads the credit again (messages may have been missed). */
  resync(): Promise<void> {
    return this.#run(async () => {
      this.targets.authenticator.forgetAll();
      await this.targets.spendGuard.refreshCredits();
    });
  }

  next(): Promise<void> {
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  async #run(change: () => Promise<void>): Promise<void> {
    try {
      await change();
    } catch (error) {
      this.targets.logger.warn({ err: error }, 'applying a key or credit change failed');
    } finally {
      this.applied += 1;
      for (const resolve of this.#waiting.splice(0)) resolve();
    }
  }
}

const KEY = 'key ';
const CREDITS = 'credits';

/**
 * The feed over an applier: a change is applied here, then handed to `publish` (other nodes),
 * whose failure leaves the others to their caches' expiry.
 */
function feedOf(
  applier: Applier,
  publish: (message: string) => Promise<void>,
  close: () => Promise<void>,
): ChangeFeed {
  const announce = async (message: string): Promise<void> => {
    await applier.apply(message);
    await publish(message);
  };
  return {
    async keyChanged(hash, row) {
      await applier.targets.spendGuard.keyChanged(hash, row);
      await announce(`${KEY}${hash}`);
    },
    creditsChanged: () => announce(CREDITS),
    get applied() {
      return applier.applied;
    },
    nextApplied: () => applier.next(),
    close,
  };
}

/** One node: changes are applied here only. */
export function localChangeFeed(targets: ChangeTargets): ChangeFeed {
  return feedOf(
    new Applier(targets),
    async () => undefined,
    async () => undefined,
  );
}

/**
 * Nodes sharing Redis: a change is applied here, then published on `<prefix>changes`; every
 * node's subscriber applies it too. When Redis cannot be reached the change still applies here
 * and reaches the other nodes through their caches' expiry (2 s), as without Redis; after its
 * subscriber reconnects, a node drops every cached key and reads the credit again, for the
 * changes it may have missed.
 */
export async function redisChangeFeed(
  redis: RedisConnection,
  targets: ChangeTargets,
): Promise<ChangeFeed> {
  const applier = new Applier(targets);
  const channel = `${redis.keyPrefix}changes`;
  // A connection in subscriber mode serves nothing else; it queues its SUBSCRIBE until
  // connected and subscribes again after every reconnection.
  const subscriber = redis.client.duplicate({ enableOfflineQueue: true, lazyConnect: true });
  subscriber.on('error', (error: Error) => redis.reportError(error));
  subscriber.on('message', (from: string, message: string) => {
    if (from === channel) void applier.apply(message);
  });
  let readyBefore = false;
  subscriber.on('ready', () => {
    if (readyBefore) void applier.resync();
    readyBefore = true;
  });
  await subscriber.connect().catch(() => undefined);
  const subscribed = subscriber
    .subscribe(channel)
    .catch((error: unknown) => redis.reportError(error));
  // Connected: serve only once subscribed. Not (Redis down): the SUBSCRIBE waits in the queue
  // for the connection, and the start does not.
  if (subscriber.status === 'ready') await subscribed;
  return feedOf(
    applier,
    async (message) => {
      try {
        await redis.client.publish(channel, message);
      } catch (error) {
        redis.reportError(error);
      }
    },
    async () => {
      subscriber.disconnect();
    },
  );
}
