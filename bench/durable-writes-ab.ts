// Durable generation writes of two (or more) server builds, alternated round by round in one
// process: writes/s (wall, noisy on a shared machine) and the CPU each write costs the gateway
// process and, on PostgreSQL, the database's backends and its WAL writer (steadier).
//
//   node --import tsx bench/durable-writes-ab.ts --server /path/to/old/packages/server
//        --server packages/server [--postgres URL] [--durability power|process]
//        [--writes N] [--concurrency N] [--rounds N]
//
// Each --server is a built packages/server (its dist/ is imported). Each gets its own scratch
// database `tg_ab_<random>` (or SQLite temp file without --postgres), dropped at the end; every
// round writes --writes records from --concurrency callers awaiting `Ledger.commit`, like
// bench/storage-bench.ts. Prints one line per round and the medians per server.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { pino } from 'pino';
import type { StorageConfig } from '../packages/server/src/config/settings.js';
import type { createGenerationId as CreateGenerationId } from '../packages/server/src/ledger/ids.js';
import type { Ledger as LedgerClass } from '../packages/server/src/ledger/ledger.js';
import type { createStorage as CreateStorage } from '../packages/server/src/storage/create-storage.js';
import type { Storage } from '../packages/server/src/storage/storage.js';
import { benchGenerationRow, benchRecordTemplate } from './bench-rows.js';
import { cpuSeconds } from './process-group.js';
import { median } from './stats.js';

const { values: args } = parseArgs({
  options: {
    server: { type: 'string', multiple: true },
    postgres: { type: 'string' },
    durability: { type: 'string', default: 'power' },
    writes: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '512' },
    rounds: { type: 'string', default: '5' },
  },
});
const SERVERS = (args.server ?? ['packages/server']).map((path) => resolve(path));
const WRITES = Number(args.writes);
const CONCURRENCY = Number(args.concurrency);
const ROUNDS = Number(args.rounds);
if (args.durability !== 'power' && args.durability !== 'process') {
  throw new Error(`--durability takes power or process, not ${args.durability}`);
}
const DURABILITY: 'power' | 'process' = args.durability;
const TEMPLATE = benchRecordTemplate();

interface Target {
  server: string;
  storage: Storage;
  ledger: LedgerClass;
  createGenerationId: typeof CreateGenerationId;
  database: string | null;
  written: number;
}

interface Round {
  perSecond: number;
  /** Gateway process CPU µs per write. */
  nodeMicros: number;
  /** CPU µs per write of the PostgreSQL backends serving this database (NaN on SQLite). */
  backendMicros: number;
  /** CPU µs per write of PostgreSQL's background processes (WAL writer, checkpointer, …). */
  auxiliaryMicros: number;
}

async function open(server: string, admin: pg.Client | null): Promise<Target> {
  const dist = pathToFileURL(join(server, 'dist')).href;
  const { createStorage } = (await import(`${dist}/storage/create-storage.js`)) as {
    createStorage: typeof CreateStorage;
  };
  const { Ledger } = (await import(`${dist}/ledger/ledger.js`)) as { Ledger: typeof LedgerClass };
  const { createGenerationId } = (await import(`${dist}/ledger/ids.js`)) as {
    createGenerationId: typeof CreateGenerationId;
  };
  let config: StorageConfig;
  let database: string | null = null;
  if (admin !== null && args.postgres !== undefined) {
    database = `tg_ab_${randomBytes(6).toString('hex')}`;
    await admin.query(`CREATE DATABASE ${database}`);
    const url = new URL(args.postgres);
    url.pathname = `/${database}`;
    config = { kind: 'postgres', url: url.toString(), durability: DURABILITY };
  } else {
    const directory = await mkdtemp(join(tmpdir(), 'tollgate-ab-'));
    database = directory;
    config = { kind: 'sqlite', path: join(directory, 'tollgate.db'), durability: DURABILITY };
  }
  const storage = await createStorage(config);
  const ledger = new Ledger(storage.generations, null, pino({ level: 'silent' }));
  return { server, storage, ledger, createGenerationId, database, written: 0 };
}

/** CPU seconds of the PostgreSQL processes: this database's backends, and the background ones. */
async function postgresCpu(admin: pg.Client | null, database: string | null) {
  if (admin === null) return { backends: Number.NaN, auxiliary: Number.NaN };
  const { rows } = await admin.query<{ pid: number; datname: string | null }>(
    `select pid, datname from pg_stat_activity
      where datname = $1 or backend_type in ('walwriter', 'checkpointer', 'background writer')`,
    [database],
  );
  let backends = 0;
  let auxiliary = 0;
  for (const row of rows) {
    const seconds = cpuSeconds(row.pid);
    if (row.datname === null) auxiliary += seconds;
    else backends += seconds;
  }
  return { backends, auxiliary };
}

async function round(target: Target, admin: pg.Client | null): Promise<Round> {
  const pgDatabase = admin === null ? null : target.database;
  const rows = Array.from({ length: WRITES }, (_, index) => {
    const id = target.createGenerationId(Date.now());
    const number = target.written + index;
    return benchGenerationRow({
      id,
      keyHash: createHash('sha256')
        .update(`key-${number % 100}`)
        .digest('hex'),
      createdAt: new Date(Date.UTC(2026, 10, 22) + number).toISOString(),
      record: TEMPLATE.replace('__ID__', id),
    });
  });
  target.written += WRITES;
  const facts = { providerResponses: [], upstreamReportedCost: null, uncappedCost: null };
  const pgBefore = await postgresCpu(admin, pgDatabase);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < WRITES) {
        const row = rows[next];
        next += 1;
        if (row !== undefined) await target.ledger.commit(row, facts);
      }
    }),
  );
  await target.ledger.flush();
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const pgAfter = await postgresCpu(admin, pgDatabase);
  const micros = (seconds: number) => (seconds * 1e6) / WRITES;
  return {
    perSecond: WRITES / elapsed,
    nodeMicros: (cpu.user + cpu.system) / WRITES,
    backendMicros: micros(pgAfter.backends - pgBefore.backends),
    auxiliaryMicros: micros(pgAfter.auxiliary - pgBefore.auxiliary),
  };
}

async function main(): Promise<void> {
  const admin = args.postgres === undefined ? null : new pg.Client(args.postgres);
  await admin?.connect();
  const targets: Target[] = [];
  try {
    for (const server of SERVERS) targets.push(await open(server, admin));
    // One unmeasured round each: connections, statement plans, JIT warm.
    for (const target of targets) await round(target, admin);
    const results = new Map<Target, Round[]>(targets.map((target) => [target, []]));
    for (let index = 0; index < ROUNDS; index += 1) {
      // Alternate the order so neither build always runs right after the other.
      const order = index % 2 === 0 ? targets : [...targets].reverse();
      for (const target of order) {
        const result = await round(target, admin);
        results.get(target)?.push(result);
        console.error(
          `round ${index + 1} ${target.server}: ${result.perSecond.toFixed(0)}/s, node ${result.nodeMicros.toFixed(1)} µs, pg ${result.backendMicros.toFixed(1)} + ${result.auxiliaryMicros.toFixed(1)} µs per write`,
        );
      }
    }
    const backend = admin === null ? 'sqlite' : 'postgres';
    console.log(
      `${backend}, durability ${DURABILITY}, ${WRITES} writes × ${ROUNDS} rounds at concurrency ${CONCURRENCY}; medians`,
    );
    console.log(
      '| server | writes/s | gateway CPU µs/write | PG backends CPU µs/write | PG background CPU µs/write |',
    );
    console.log('| --- | ---: | ---: | ---: | ---: |');
    for (const [target, rounds] of results) {
      const cell = (pick: (round: Round) => number, digits: number) =>
        median(rounds.map(pick)).toFixed(digits);
      console.log(
        `| ${target.server} | ${cell((r) => r.perSecond, 0)} | ${cell((r) => r.nodeMicros, 1)} | ${cell((r) => r.backendMicros, 1)} | ${cell((r) => r.auxiliaryMicros, 1)} |`,
      );
    }
  } finally {
    for (const target of targets) {
      await target.storage.close();
      if (target.database === null) continue;
      if (admin === null) await rm(target.database, { recursive: true, force: true });
      else await admin.query(`DROP DATABASE IF EXISTS ${target.database} WITH (FORCE)`);
    }
    await admin?.end();
  }
}

await main();
