// Storage benchmark: durable generation writes per second through the real ledger group-commit
// path, and lookup-by-id latency as the generations table grows, on SQLite and PostgreSQL.
//
//   node --import tsx bench/storage-bench.ts [--rows N] [--postgres URL] [--writes N]
//        [--concurrency N] [--lookups N] [--skip-sqlite] [--data-dir DIR]
//        [--durability power|process]
//
// --postgres URL names a server (any database on it): the bench creates a scratch database
// `tg_bench_<random>` there and drops it at the end. SQLite uses a temp file (deleted at the end).
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { pino } from 'pino';
import type { StorageConfig } from '../packages/server/src/config/settings.js';
import { createGenerationId } from '../packages/server/src/ledger/ids.js';
import { type CommittedFacts, Ledger } from '../packages/server/src/ledger/ledger.js';
import { createStorage } from '../packages/server/src/storage/create-storage.js';
import type { GenerationRow, Storage } from '../packages/server/src/storage/storage.js';
import { benchGenerationRow, benchRecordTemplate } from './bench-rows.js';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    postgres: { type: 'string' },
    writes: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '64,512' },
    lookups: { type: 'string', default: '20000' },
    'skip-sqlite': { type: 'boolean', default: false },
    'data-dir': { type: 'string' },
    durability: { type: 'string', default: 'power' },
  },
});
const ROWS = Number(args.rows);
const WRITES = Number(args.writes);
const CONCURRENCY = (args.concurrency ?? '64').split(',').map(Number);
const LOOKUPS = Number(args.lookups);
const FILL_BATCH = 50_000;
if (args.durability !== 'power' && args.durability !== 'process') {
  throw new Error(`--durability takes power or process, not ${args.durability}`);
}
/** What each durable write survives (docs/decisions/0023-durability-levels.md). */
const DURABILITY: 'power' | 'process' = args.durability;

const TEMPLATE = benchRecordTemplate();

/** The id of fill row `index` (same formula in SQL for PostgreSQL's generate_series). */
function fillId(index: number): string {
  return `gen-${1_795_000_000 + Math.floor(index / 1000)}-${createHash('md5').update(String(index)).digest('hex').slice(0, 20)}`;
}

/** A written row's id is the gateway's own (its shape decides where rows land in the indexes). */
function writeRow(index: number): GenerationRow {
  const id = createGenerationId(Date.now());
  return benchGenerationRow({
    id,
    keyHash: createHash('sha256')
      .update(`key-${index % 100}`)
      .digest('hex'),
    createdAt: new Date(Date.UTC(2026, 10, 22) + index).toISOString(),
    record: TEMPLATE.replace('__ID__', id),
  });
}

function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? Number.NaN;
}

/** What metrics read of a committed record: a bench record has no attempts and no caps. */
const COMMITTED: CommittedFacts = {
  providerResponses: [],
  upstreamReportedCost: null,
  uncappedCost: null,
};

/** Durable writes per second: `concurrency` callers each awaiting `ledger.commit` in a loop. */
async function measureWrites(storage: Storage, concurrency: number): Promise<number> {
  const ledger = new Ledger(storage.generations, null, pino({ level: 'silent' }));
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < WRITES) {
        const index = next;
        next += 1;
        await ledger.commit(writeRow(index + concurrency * 1_000_000), COMMITTED);
      }
    }),
  );
  await ledger.flush();
  return WRITES / ((performance.now() - started) / 1000);
}

/** Sequential lookups of random existing ids through `storage.generations.get`. */
async function measureLookups(storage: Storage, filled: number) {
  const samples: number[] = [];
  for (let warm = 0; warm < 500; warm += 1) {
    await storage.generations.get(fillId(Math.floor(Math.random() * filled)));
  }
  for (let lookup = 0; lookup < LOOKUPS; lookup += 1) {
    const id = fillId(Math.floor(Math.random() * filled));
    const started = performance.now();
    const found = await storage.generations.get(id);
    samples.push(performance.now() - started);
    if (found === undefined) throw new Error(`fill row ${id} not found`);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99) };
}

/** Fill stages: every power of ten from 10,000 up to the target, then the target. */
function stages(target: number): number[] {
  const result: number[] = [];
  for (let size = 10_000; size < target; size *= 10) result.push(size);
  result.push(target);
  return result;
}

async function fillSqlite(path: string, from: number, to: number): Promise<void> {
  const database = new SqliteDatabase(path);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  const insert = database.prepare(
    `INSERT INTO generations (id, key_hash, request_id, created_at, model, provider_name, api_type,
       is_byok, cancelled, usage_pico, total_cost_pico, upstream_cost_pico, record_version, record)
     VALUES (?, ?, ?, ?, 'acme/fast-1', 'Acme', 'completions', 0, 0, 161000000, 161000000, NULL, 1, ?)`,
  );
  const batch = database.transaction((start: number, end: number) => {
    for (let index = start; index < end; index += 1) {
      const id = fillId(index);
      insert.run(
        id,
        `key-${index % 1000}`,
        `req-${index}`,
        new Date(Date.UTC(2026, 0, 1) + index * 1000).toISOString(),
        TEMPLATE.replace('__ID__', id),
      );
    }
  });
  for (let start = from; start < to; start += FILL_BATCH)
    batch(start, Math.min(to, start + FILL_BATCH));
  database.close();
}

async function fillPostgres(url: string, from: number, to: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const [before, after] = TEMPLATE.split('__ID__');
  try {
    for (let start = from; start < to; start += FILL_BATCH * 4) {
      const end = Math.min(to, start + FILL_BATCH * 4);
      await client.query(
        `INSERT INTO generations (id, key_hash, request_id, created_at, model, provider_name, api_type,
           is_byok, cancelled, usage_pico, total_cost_pico, upstream_cost_pico, record_version, record)
         SELECT ids.id, 'key-' || (i % 1000), 'req-' || i,
           to_char(timestamp '2026-01-01' + i * interval '1 second', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
           'acme/fast-1', 'Acme', 'completions', 0, 0, 161000000, 161000000, NULL, 1,
           $3 || ids.id || $4
         FROM generate_series($1::bigint, $2::bigint - 1) AS i,
           LATERAL (SELECT 'gen-' || (1795000000 + i / 1000) || '-' || left(md5(i::text), 20) AS id) AS ids`,
        [start, end, before, after],
      );
    }
  } finally {
    await client.end();
  }
}

interface Result {
  backend: string;
  writes: Array<{ concurrency: number; perSecond: number }>;
  lookups: Array<{ rows: number; p50: number; p99: number; fillSeconds: number }>;
}

async function runBackend(
  backend: string,
  config: StorageConfig,
  fill: (from: number, to: number) => Promise<void>,
): Promise<Result> {
  const result: Result = { backend, writes: [], lookups: [] };
  const writer = await createStorage(config);
  for (const concurrency of CONCURRENCY) {
    const perSecond = await measureWrites(writer, concurrency);
    result.writes.push({ concurrency, perSecond });
    console.error(
      `${backend}: ${perSecond.toFixed(0)} durable writes/s at concurrency ${concurrency}`,
    );
  }
  await writer.close();
  let filled = 0;
  for (const size of stages(ROWS)) {
    const started = performance.now();
    await fill(filled, size);
    const fillSeconds = (performance.now() - started) / 1000;
    filled = size;
    const storage = await createStorage(config);
    const latency = await measureLookups(storage, filled);
    await storage.close();
    result.lookups.push({ rows: filled, ...latency, fillSeconds });
    console.error(
      `${backend}: ${filled} fill rows (+${fillSeconds.toFixed(0)} s): lookup p50 ${latency.p50.toFixed(3)} ms, p99 ${latency.p99.toFixed(3)} ms`,
    );
  }
  return result;
}

async function main(): Promise<void> {
  const results: Result[] = [];
  if (!args['skip-sqlite']) {
    const directory = await mkdtemp(join(args['data-dir'] ?? tmpdir(), 'tollgate-bench-'));
    const path = join(directory, 'tollgate.db');
    try {
      results.push(
        await runBackend('sqlite', { kind: 'sqlite', path, durability: DURABILITY }, (from, to) =>
          fillSqlite(path, from, to),
        ),
      );
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  }
  if (args.postgres !== undefined) {
    const name = `tg_bench_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: args.postgres });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(args.postgres);
    url.pathname = `/${name}`;
    try {
      results.push(
        await runBackend(
          'postgres',
          { kind: 'postgres', url: url.toString(), durability: DURABILITY },
          (from, to) => fillPostgres(url.toString(), from, to),
        ),
      );
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  }
  console.log(
    `record size ${TEMPLATE.length} bytes; ${WRITES} writes per concurrency; ${LOOKUPS} lookups per stage; durability ${DURABILITY}`,
  );
  console.log(
    '| backend | durable writes/s (concurrency) | rows | lookup p50 ms | lookup p99 ms |',
  );
  console.log('| --- | --- | ---: | ---: | ---: |');
  for (const result of results) {
    const writes = result.writes
      .map((write) => `${write.perSecond.toFixed(0)} (${write.concurrency})`)
      .join(', ');
    for (const lookup of result.lookups) {
      console.log(
        `| ${result.backend} | ${writes} | ${lookup.rows} | ${lookup.p50.toFixed(3)} | ${lookup.p99.toFixed(3)} |`,
      );
    }
  }
}

await main();
