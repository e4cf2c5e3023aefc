import { setTimeout as sleep } from 'node:timers/promises';
import { cpuSeconds, machineBusySeconds } from './process-group.js';

/** CPU used during a measurement, in cores' worth (1 = one full core). */
export interface CpuUsage {
  /** The process under test (all its threads). */
  server: number;
  /** The load core's processes: this generator and the fake upstream (when not the server). */
  load: number;
  /**
   * Everything else on the machine: other processes, softirq, hypervisor steal. Above about 0.2
   * the machine was not quiet and the run is noise.
   */
  other: number;
}

/** Starts measuring; the returned function stops and reports. */
export function startCpuMeter(serverPid: number, loadPids: readonly number[]): () => CpuUsage {
  const others = loadPids.filter((pid) => pid !== serverPid);
  const read = () => {
    const own = process.cpuUsage();
    let load = (own.user + own.system) / 1e6;
    for (const pid of others) load += cpuSeconds(pid);
    return {
      server: cpuSeconds(serverPid),
      load,
      machine: machineBusySeconds(),
      at: process.hrtime.bigint(),
    };
  };
  const before = read();
  return () => {
    const after = read();
    const elapsed = Number(after.at - before.at) / 1e9;
    const server = (after.server - before.server) / elapsed;
    const load = (after.load - before.load) / elapsed;
    const machine = (after.machine - before.machine) / elapsed;
    return { server, load, other: Math.max(0, machine - server - load) };
  };
}

/**
 * Waits (at most `maxSeconds`) until the machine is quiet: less than `limit` cores' worth of CPU
 * busy over half a second, while the benchmark itself is idle. Returns the seconds waited.
 */
export async function waitForQuiet(
  limit: number,
  maxSeconds: number,
  signal: AbortSignal,
): Promise<number> {
  const started = performance.now();
  for (;;) {
    signal.throwIfAborted();
    const before = machineBusySeconds();
    await sleep(500);
    const busy = (machineBusySeconds() - before) / 0.5;
    const waited = (performance.now() - started) / 1000;
    if (busy < limit || waited >= maxSeconds) return waited - 0.5;
  }
}
