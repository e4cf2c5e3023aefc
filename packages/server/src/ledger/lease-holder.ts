import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * Who holds a node's lease: one gateway in one process (decision 0052). Two processes that share
 * a node id — two gateways on one host and one SQLite file without `TOLLGATE_NODE_ID` — would
 * otherwise each take the other's in-flight journal rows for their own at start, and finish the
 * other's live streams as cancelled records.
 */
export interface LeaseHolder {
  host: string;
  /**
   * Where `pid` means something: the boot and the pid namespace (`/proc`), or null where they
   * cannot be read. Two containers may share a host name on one machine or on two.
   */
  scope: string | null;
  pid: number;
  /**
   * The process's start time in clock ticks since boot (`/proc/<pid>/stat`, field 22), which
   * tells a live process from a later one that reuses its pid; null where there is no `/proc`.
   */
  start: string | null;
  /** Tells two gateways of one process apart. */
  token: string;
}

/** Whether a holder's process still runs: known only for a holder on this host. */
export type HolderLiveness = 'alive' | 'dead' | 'unknown';

/** What {@link holderLiveness} reads of this machine (a test passes its own). */
export interface ProcessTable {
  host: string;
  /** This process's boot and pid namespace, or null where they cannot be read. */
  scope: string | null;
  /** The start time of `pid`, null when no such process runs, undefined where it cannot be read. */
  startOf(pid: number): string | null | undefined;
  /** Whether a process `pid` runs (a signal-0 probe), for hosts without `/proc`. */
  exists(pid: number): boolean;
}

/** This machine's process table. */
export const LOCAL_PROCESSES: ProcessTable = {
  host: hostname(),
  scope: localScope(),
  startOf(pid) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return existsSync('/proc/self/stat') ? null : undefined;
      }
      return undefined;
    }
    // The command name (field 2) is in parentheses and may hold spaces or ')'; field 22 is the
    // 20th after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? undefined;
  },
  exists(pid) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  },
};

/** This machine's boot id and this process's pid namespace, or null without `/proc`. */
function localScope(): string | null {
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim();
    return `${boot} ${readlinkSync('/proc/self/ns/pid')}`;
  } catch {
    return null;
  }
}

/** A new holder for a gateway of this process. */
export function newLeaseHolder(processes: ProcessTable = LOCAL_PROCESSES): LeaseHolder {
  const start = processes.startOf(process.pid);
  return {
    host: processes.host,
    scope: processes.scope,
    pid: process.pid,
    start: typeof start === 'string' ? start : null,
    token: randomBytes(6).toString('hex'),
  };
}

/** The text stored in `node_leases.holder`. */
export function formatHolder(holder: LeaseHolder): string {
  return JSON.stringify(holder);
}

/** A stored holder, or null when it is not one this code wrote. */
export function parseHolder(text: string): LeaseHolder | null {
  try {
    const value = JSON.parse(text) as Partial<LeaseHolder> | null;
    if (
      value === null ||
      typeof value !== 'object' ||
      typeof value.host !== 'string' ||
      (value.scope !== null && typeof value.scope !== 'string') ||
      typeof value.pid !== 'number' ||
      (value.start !== null && typeof value.start !== 'string') ||
      typeof value.token !== 'string'
    ) {
      return null;
    }
    return {
      host: value.host,
      scope: value.scope ?? null,
      pid: value.pid,
      start: value.start,
      token: value.token,
    };
  } catch {
    return null;
  }
}

/**
 * Whether `holder`'s process runs: a holder on another host, boot or pid namespace (another
 * container with the same host name, say, or a container restarted in a new namespace) is
 * `unknown`; in this one, its pid must run with the start time it recorded (another process may
 * have taken the pid since).
 */
export function holderLiveness(
  holder: LeaseHolder,
  processes: ProcessTable = LOCAL_PROCESSES,
): HolderLiveness {
  if (holder.host !== processes.host || holder.scope !== processes.scope) return 'unknown';
  const start = processes.startOf(holder.pid);
  if (start === undefined || holder.start === null) {
    return processes.exists(holder.pid) ? 'unknown' : 'dead';
  }
  return start !== null && start === holder.start ? 'alive' : 'dead';
}

/** How a holder is named in a message. */
export function describeHolder(holder: LeaseHolder): string {
  return `process ${holder.pid} on host ${holder.host}`;
}
