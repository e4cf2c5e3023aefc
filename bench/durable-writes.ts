import { execFile } from 'node:child_process';
import { CAN_PIN, CORES } from './process-group.js';

/** Durable writes per second of one storage backend, at each concurrency tried. */
export interface DurableWrites {
  /** Backend and durability level: `sqlite power`, `sqlite process`, `postgres power`, … */
  backend: string;
  /** Generations committed per second through the ledger's group commit, by concurrency. */
  writes: Array<{ concurrency: number; perSecond: number }>;
}

/** How to run bench/storage-bench.ts. */
export interface DurableWritesOptions {
  /** Generations written per concurrency. */
  writes: number;
  concurrencies: readonly number[];
  /** A PostgreSQL server URL to measure as well (a scratch database is made and dropped). */
  postgresUrl: string | null;
  signal: AbortSignal;
}

/** The durable-writes columns of storage-bench.ts's table: `| sqlite power | 2214 (64), 3050 (512) | …`. */
export function parseStorageBench(stdout: string): DurableWrites[] {
  const found = new Map<string, DurableWrites>();
  for (const line of stdout.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    const backend = cells[1];
    const writes = cells[2];
    if (backend === undefined || writes === undefined || !/^\d/.test(writes)) continue;
    if (found.has(backend)) continue;
    const parsed = [...writes.matchAll(/([\d.]+) \((\d+)\)/g)].map((match) => ({
      perSecond: Number(match[1]),
      concurrency: Number(match[2]),
    }));
    if (parsed.length > 0) found.set(backend, { backend, writes: parsed });
  }
  return [...found.values()];
}

/**
 * Durable generation writes per second through Tollgate's real storage layer and ledger (group
 * commit) at both durability levels (`power`: SQLite `synchronous=FULL`, PostgreSQL
 * `synchronous_commit` on; `process`: NORMAL / off), measured by bench/storage-bench.ts in its own
 * process on the server core. Lookups are skipped: the suite measures them through the gateway.
 */
export function measureDurableWrites(options: DurableWritesOptions): Promise<DurableWrites[]> {
  const args = ['--import', 'tsx', 'bench/storage-bench.ts', '--skip-lookups'];
  args.push('--durability', 'power,process', '--writes', String(options.writes));
  args.push('--concurrency', options.concurrencies.join(','));
  if (options.postgresUrl !== null) args.push('--postgres', options.postgresUrl);
  const node = [process.execPath, ...args];
  const [command, ...rest] = CAN_PIN ? ['taskset', '-c', String(CORES.server), ...node] : node;
  return new Promise((resolve, reject) => {
    execFile(
      command ?? process.execPath,
      rest,
      { signal: options.signal, timeout: 600_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error !== null) {
          reject(
            // Not error.message: it repeats the command line, which may hold a database password.
            new Error(
              `bench/storage-bench.ts exited (${error.code ?? error.signal ?? 'failed'})\n${stderr.slice(-2000)}`,
            ),
          );
          return;
        }
        const results = parseStorageBench(stdout);
        if (results.length === 0) {
          reject(new Error(`bench/storage-bench.ts printed no result:\n${stdout.slice(-2000)}`));
          return;
        }
        resolve(results);
      },
    );
  });
}
