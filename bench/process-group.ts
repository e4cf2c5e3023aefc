import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Cores of the run: the server under test alone on one, upstream and load generator on the other. */
export const CORES = { server: 0, load: 1 } as const;

/** Whether processes can be pinned to separate cores (taskset present, two cores or more). */
export const CAN_PIN = availableParallelism() >= 2 && hasTaskset();

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Pins every thread of this process (the load generator) to the load core. */
export function pinSelf(): void {
  if (!CAN_PIN) return;
  execFileSync('taskset', ['-a', '-p', '-c', String(CORES.load), String(process.pid)], {
    stdio: 'ignore',
  });
}

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** CPU time (user + system, all threads) a process has used, in seconds, from /proc. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at field 3; utime is 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** CPU time all cores of the machine spent busy since boot (not idle, not waiting on I/O), in seconds. */
export function machineBusySeconds(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  const ticks = line.split(/\s+/).slice(1, 9).map(Number);
  const total = ticks.reduce((sum, value) => sum + value, 0);
  return (total - (ticks[3] ?? 0) - (ticks[4] ?? 0)) / CLOCK_TICKS;
}

const CLOCK_TICKS = readClockTicks();

function readClockTicks(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

/** How to start one server process. */
export interface ServerSpec {
  name: string;
  /** Arguments to `node`. */
  args: string[];
  core: number;
  env?: Record<string, string>;
  /** URL answering 200 once the server is ready. */
  healthUrl: string;
}

/** A started server. */
export interface ServerProcess {
  name: string;
  pid: number;
  logFile: string;
}

/** Child processes of the run, each stopped by its PID at the end (also on error or SIGINT). */
export class ProcessGroup {
  readonly #children = new Map<number, ChildProcess>();
  readonly #logDirectory: string;

  constructor(logDirectory: string) {
    this.#logDirectory = logDirectory;
  }

  /** Starts a server (pinned when possible) and waits for its health URL. */
  async start(spec: ServerSpec): Promise<ServerProcess> {
    const logFile = join(this.#logDirectory, `${spec.name}.log`);
    const log = openSync(logFile, 'a');
    const node = [process.execPath, ...spec.args];
    const [command, ...args] = CAN_PIN ? ['taskset', '-c', String(spec.core), ...node] : node;
    const child = spawn(command ?? process.execPath, args, {
      cwd: process.cwd(),
      env: { ...process.env, ...spec.env },
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    if (child.pid === undefined) throw new Error(`${spec.name} did not start`);
    const pid = child.pid;
    this.#children.set(pid, child);
    child.once('exit', () => this.#children.delete(pid));
    await waitForHealth(spec.healthUrl, child, logFile);
    return { name: spec.name, pid, logFile };
  }

  /** Stops one server: SIGTERM, then SIGKILL after `graceMs`. */
  async stop(pid: number, graceMs = 5_000): Promise<void> {
    const child = this.#children.get(pid);
    if (child === undefined) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  /** Kills every child still running at once, by PID (last resort: second SIGINT, exit). */
  killAll(): void {
    for (const child of this.#children.values()) child.kill('SIGKILL');
  }

  /** Stops every child still running, by PID. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.#children.keys()].map((pid) => this.stop(pid)));
  }
}

async function waitForHealth(url: string, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${url}: process exited early, see ${logFile}:\n${tail(logFile)}`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${url}: not healthy after 30 s, see ${logFile}:\n${tail(logFile)}`);
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '';
  }
}
