import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DurabilityLevel } from './durable-writes.js';
import { CORES, freePort, type ProcessGroup } from './process-group.js';
import {
  BENCH_MODEL,
  HELD_MODEL_COUNT,
  heldModel,
  heldUpstreamModel,
  type Target,
} from './targets.js';

/** How to start Tollgate for the run. */
export interface TollgateOptions {
  group: ProcessGroup;
  upstreamOrigin: string;
  /** Temp directory of the run: config, SQLite file. */
  workDirectory: string;
  /** Extra flags for node, e.g. `--cpu-prof`. */
  nodeFlags: readonly string[];
  /** The entry point, relative to the repo root: `packages/server/dist/main.js`. */
  main: string;
  /** The management key (a new one when absent): pass the same one to restart on the same store. */
  key?: string;
  /** `TOLLGATE_DURABILITY`: each level runs as its own Tollgate on its own store. */
  durability: DurabilityLevel;
}

/** Tollgate's name in the tables: one target per durability level. */
export function tollgateName(durability: DurabilityLevel): string {
  return `Tollgate (${durability})`;
}

/** The data directory of the Tollgate at `durability` in the run's temp directory. */
export function tollgateDataDirectory(workDirectory: string, durability: DurabilityLevel): string {
  return join(workDirectory, `tollgate-data-${durability}`);
}

/** The SQLite file the Tollgate at `durability` uses in the run's temp directory. */
export function tollgateDatabasePath(workDirectory: string, durability: DurabilityLevel): string {
  return join(tollgateDataDirectory(workDirectory, durability), 'tollgate.db');
}

function configYaml(upstreamOrigin: string): string {
  const held = Array.from({ length: HELD_MODEL_COUNT }, (_, index) => index);
  const provider = (name: string) => [
    `  - name: ${name}`,
    '    kind: openai',
    `    base_url: ${upstreamOrigin}/v1`,
  ];
  const model = (id: string, providerName: string, upstreamModel: string) => [
    `  - id: ${id}`,
    '    endpoints:',
    `      - provider: ${providerName}`,
    `        model: ${upstreamModel}`,
    '        pricing: { prompt: "0.000001", completion: "0.000002" }',
  ];
  return [
    // Every load-generator connection comes from 127.0.0.1 (1,000 open streams and more).
    'http:',
    '  max_connections_per_address: 0',
    'providers:',
    ...provider('Bench'),
    ...held.flatMap((index) => provider(`Held${index}`)),
    'models:',
    ...model(BENCH_MODEL, 'Bench', 'bench-1'),
    ...held.flatMap((index) => model(heldModel(index), `Held${index}`, heldUpstreamModel(index))),
    '',
  ].join('\n');
}

/**
 * Starts `node <main>` (packages/server/dist/main.js) as its own process on the server core, with accounting
 * fully on (SQLite in the run's temp directory, one per durability level, kept across restarts)
 * and a management key made for the run (or `options.key`).
 */
export async function startTollgate(options: TollgateOptions): Promise<Target> {
  const configPath = join(options.workDirectory, 'tollgate.yaml');
  writeFileSync(configPath, configYaml(options.upstreamOrigin));
  const dataDirectory = tollgateDataDirectory(options.workDirectory, options.durability);
  mkdirSync(dataDirectory, { recursive: true });
  const key = options.key ?? `sk-tg-v1-bench${randomBytes(24).toString('hex')}`;
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const server = await options.group.start({
    name: `tollgate-${options.durability}`,
    args: [...options.nodeFlags, options.main],
    core: CORES.server,
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      TOLLGATE_DATA_DIR: dataDirectory,
      TOLLGATE_ADMIN_KEY: key,
      TOLLGATE_CONFIG: configPath,
      TOLLGATE_DURABILITY: options.durability,
      // SQLite in the run's directory, even when the bench's own environment names PostgreSQL.
      DATABASE_URL: '',
    },
    healthUrl: `${origin}/health`,
  });
  return {
    name: tollgateName(options.durability),
    role: 'tollgate',
    origin,
    chatPath: '/api/v1/chat/completions',
    headers: { authorization: `Bearer ${key}` },
    pid: server.pid,
  };
}
