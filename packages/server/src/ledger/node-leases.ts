import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { HeldLease, Storage } from '../storage/storage.js';
import {
  describeHolder,
  formatHolder,
  holderLiveness,
  type LeaseHolder,
  LOCAL_PROCESSES,
  newLeaseHolder,
  type ProcessTable,
  parseHolder,
} from './lease-holder.js';
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
  /** Which process this is (default: this one, with a new token). */
  holder?: LeaseHolder;
  /** Where a holder's liveness is read (default: this machine's `/proc`). */
  processes?: ProcessTable;
}

/**
 * Another running process holds this node id's lease: two gateways were given one node id
 * (decision 0052). Starting would finish that process's live streams as cancelled records.
 */
export class NodeIdInUseError extends Error {
  constructor(nodeId: string, holder: string) {
    super(
      `node id ${JSON.stringify(nodeId)} is in use by ${holder}: every gateway process needs its own node id. Set TOLLGATE_NODE_ID to a distinct value for each process that shares this storage.`,
    );
    this.name = 'NodeIdInUseError';
  }
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

  readonly #holder: string;
  readonly #processes: ProcessTable;
  /** The lease was found held by another process on a beat (logged once). */
  #lost = false;

  constructor(options: NodeLeasesOptions) {
    this.#options = options;
    this.#processes = options.processes ?? LOCAL_PROCESSES;
    this.#holder = formatHolder(options.holder ?? newLeaseHolder(this.#processes));
  }

  /**
   * Takes (or takes back) this node's lease; call before recovering its own rows. A lease that
   * another process holds is taken over only once that process is known dead: at once when it
   * ran on this host and no longer runs, else after its lease ran out unrenewed. A running holder
   * rejects with {@link NodeIdInUseError}.
   */
  async acquire(): Promise<void> {
    const standing = await this.#hold(null);
    if (standing === null) return;
    const other = standing.holder === null ? null : parseHolder(standing.holder);
    const liveness = other === null ? 'unknown' : holderLiveness(other, this.#processes);
    const named = other === null ? 'another process' : describeHolder(other);
    if (liveness === 'alive') throw new NodeIdInUseError(this.#options.nodeId, named);
    if (liveness === 'dead' && (await this.#hold(standing.holder)) === null) {
      this.#options.logger.info(
        { nodeId: this.#options.nodeId },
        `took over the node lease of ${named}, which no longer runs`,
      );
      return;
    }
    // A holder that cannot be checked from here counts as dead once its lease ran out unrenewed.
    const { logger, nodeId, now } = this.#options;
    logger.warn(
      { nodeId, until: new Date(standing.expiresAtMs).toISOString() },
      `node lease held by ${named}: waiting for it to expire`,
    );
    await delay(Math.max(0, standing.expiresAtMs - now()) + 1);
    const after = await this.#hold(null);
    if (after !== null) throw new NodeIdInUseError(nodeId, named);
  }

  /** Holds the lease for another `leaseMs`; null when held, else the lease standing. */
  #hold(replacing: string | null, expiresAtMs?: number): Promise<HeldLease | null> {
    const { storage, nodeId, leaseMs, now } = this.#options;
    const at = now();
    return storage.nodeLeases.hold(
      nodeId,
      this.#holder,
      at,
      expiresAtMs ?? at + leaseMs,
      replacing,
    );
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
      const standing = await this.#hold(null);
      if (standing !== null && !this.#lost) {
        // Paused past its lease while another process with this node id took it: this process's
        // streams are no longer covered by a live lease.
        this.#lost = true;
        this.#options.logger.error(
          { nodeId: this.#options.nodeId, holder: standing.holder },
          'node lease taken by another process with the same node id: give each process its own TOLLGATE_NODE_ID',
        );
      }
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
    // Only this process's own lease: one another process took is left alone.
    await this.#hold(null, 0).catch((error: unknown) => {
      this.#options.logger.warn({ err: error }, 'node lease release failed');
    });
  }
}
