import type { Logger } from 'pino';
import type { Storage } from '../storage/storage.js';
import { type RecoveryResult, recoverInflight } from './recover-inflight.js';

/** Options of {@link NodeLeases}. */
export interface NodeLeasesOptions {
  storage: Pick<Storage, 'nodeLeases' | 'inflight'>;
  nodeId: string;
  /** Lease length (ms); renewed every third of it. */
  leaseMs: number;
  now: () => number;
  logger: Logger;
  /** A dead node's rows became records here (their charges go to the shared spend counters). */
  onRecovered: (result: RecoveryResult) => void;
}

/**
 * This node's lease, and the recovery of dead nodes' in-flight rows. The node renews its lease
 * every third of `leaseMs`; on the same beat it looks for nodes whose lease expired, claims each
 * atomically (one conditional UPDATE: one claimer per expiry), finalizes its journal rows
 * (`recoverInflight`, exactly once per row whoever else runs it) and deletes its lease. A claimer
 * that dies mid-recovery leaves the claim to expire in turn (docs/decisions/0017).
 */
export class NodeLeases {
  readonly #options: NodeLeasesOptions;
  #timer: NodeJS.Timeout | null = null;
  /** The beat or recovery under way: never two at once. */
  #running: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(options: NodeLeasesOptions) {
    this.#options = options;
  }

  /** Takes (or takes back) this node's lease; call before recovering its own rows. */
  async acquire(): Promise<void> {
    const { storage, nodeId, leaseMs, now } = this.#options;
    await storage.nodeLeases.renew(nodeId, now() + leaseMs);
  }

  /** Starts the beat: renew, then recover expired nodes. */
  start(): void {
    this.#schedule();
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(
      () => {
        this.#running = this.#running.then(() => this.#beat()).finally(() => this.#schedule());
      },
      Math.max(100, Math.floor(this.#options.leaseMs / 3)),
    );
    this.#timer.unref();
  }

  async #beat(): Promise<void> {
    if (this.#stopped) return;
    try {
      await this.acquire();
    } catch (error) {
      this.#options.logger.warn({ err: error }, 'node lease renewal failed');
    }
    await this.#recoverExpired(null);
  }

  /**
   * If `nodeId`'s lease has expired, recovers its rows now (a lookup of one of its ids waits for
   * this); resolves once done, or at once when the lease is live or absent.
   */
  recoverIfExpired(nodeId: string): Promise<void> {
    const run = this.#running.then(() => this.#recoverExpired(nodeId));
    this.#running = run;
    return run;
  }

  async #recoverExpired(only: string | null): Promise<void> {
    const { storage, nodeId: self, leaseMs, now, logger } = this.#options;
    try {
      const expired = await storage.nodeLeases.listExpired(now(), self);
      for (const dead of expired) {
        if (this.#stopped || (only !== null && dead !== only)) continue;
        const at = now();
        if (!(await storage.nodeLeases.claim(dead, self, at, at + leaseMs))) continue;
        const result = await recoverInflight(storage, dead, logger);
        this.#options.onRecovered(result);
        if (result.unreadable === 0) await storage.nodeLeases.release(dead, self);
        logger.warn({ deadNode: dead, recovered: result.recovered }, 'recovered an expired node');
      }
    } catch (error) {
      logger.warn({ err: error }, 'recovery of expired nodes failed');
    }
  }

  /**
   * Stops the beat and lets the lease lapse at once, so that rows this node could not commit
   * (if any) are recovered by the others without waiting for the lease.
   */
  async close(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    await this.#running;
    const { storage, nodeId } = this.#options;
    await storage.nodeLeases.renew(nodeId, 0).catch((error: unknown) => {
      this.#options.logger.warn({ err: error }, 'node lease release failed');
    });
  }
}
