// Activity and generations-log benchmark (docs/decisions/0022-activity-rollups.md): fills a store
// with N generation records through the real insert path (records + rollups in one transaction,
// batches as group commit writes them), then measures, on SQLite and/or PostgreSQL:
//   - `/activity`'s query (30 days × model × endpoint from the rollups), p50/p99;
//   - a page of 50 of the generations log with each filter the API offers, p50/p99;
//   - a full NDJSON export's keyset walk: every row once, and the RSS it took.
//
//   node --import tsx bench/activity-bench.ts [--rows N] [--samples N] [--postgres URL]
//        [--skip-sqlite] [--export]
//
// --postgres URL names a server: a scratch database `tg_bench_<random>` is created and dropped.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { StorageConfig } from '../packages/server/src/config/settings.js';
import { toRecordTimestamp } from '../packages/server/src/ledger/ids.js';
import { createStorage } from '../packages/server/src/storage/create-storage.js';
import type {
  GenerationCursor,
  GenerationFilter,
  GenerationRow,
  Storage,
} from '../packages/server/src/storage/storage.js';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    samples: { type: 'string', default: '300' },
    postgres: { type: 'string' },
    'skip-sqlite': { type: 'boolean', default: false },
    export: { type: 'boolean', default: false },
  },
});
const ROWS = Number(args.rows);
const SAMPLES = Number(args.samples);
const DAY_MS = 86_400_000;
const NOW_MS = Date.UTC(2026, 11, 7, 12);
/** Records spread over the last 60 days, newest at NOW_MS. */
const SPAN_MS = 60 * DAY_MS;
const MODELS = Array.from({ length: 20 }, (_, index) => `vendor-${index % 5}/model-${index}`);
const PROVIDERS = ['Acme', 'Beta', 'Gamma', 'Delta', 'Epsilon'];
const KEYS = Array.from({ length: 50 }, (_, index) => index.toString(16).padStart(64, '0'));
const PADDING = 'x'.repeat(1500);

function row(index: number): GenerationRow {
  const id = `gen-${1_790_000_000 + index}-${index.toString(36).padStart(20, '0')}`;
  const createdAt = toRecordTimestamp(NOW_MS - Math.floor(((ROWS - index) / ROWS) * SPAN_MS));
  const model = MODELS[index % MODELS.length] ?? '';
  const provider = PROVIDERS[index % PROVIDERS.length] ?? null;
  const usage = BigInt(100_000 + (index % 997) * 1_000);
  const outcome = index % 50 === 0 ? 'cancelled' : index % 37 === 0 ? 'error' : 'ok';
  const externalUser = index % 3 === 0 ? `user-${index % 1000}` : null;
  const sessionId = index % 7 === 0 ? `session-${index % 20_000}` : null;
  return {
    id,
    keyHash: KEYS[index % KEYS.length] ?? '',
    requestId: `req-${id}`,
    createdAt,
    model,
    providerName: provider,
    apiType: index % 10 === 0 ? 'embeddings' : 'completions',
    isByok: false,
    cancelled: outcome === 'cancelled',
    usagePico: usage,
    totalCostPico: usage,
    upstreamCostPico: usage,
    recordVersion: 1,
    endpointId: `${provider}/${model}`,
    externalUser,
    sessionId,
    outcome,
    promptTokens: 100 + (index % 500),
    completionTokens: 50 + (index % 300),
    reasoningTokens: index % 4 === 0 ? 20 : 0,
    content: null,
    record: JSON.stringify({ id, created_at: createdAt, model, padding: PADDING }),
  };
}

function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? Number.NaN;
}

async function time(samples: number, run: (sample: number) => Promise<unknown>) {
  const durations: number[] = [];
  for (let sample = 0; sample < samples; sample += 1) {
    const started = performance.now();
    await run(sample);
    durations.push(performance.now() - started);
  }
  durations.sort((left, right) => left - right);
  return { p50: percentile(durations, 0.5), p99: percentile(durations, 0.99) };
}

const NO_FILTER: GenerationFilter = {
  keyHash: null,
  sinceIso: null,
  beforeIso: null,
  model: null,
  providerName: null,
  externalUser: null,
  sessionId: null,
  apiType: null,
  outcome: null,
  minCostPico: null,
};

const FILTERS: Array<[string, (sample: number) => GenerationFilter]> = [
  ['none', () => NO_FILTER],
  ['key_hash', (sample) => ({ ...NO_FILTER, keyHash: KEYS[sample % KEYS.length] ?? null })],
  ['model', (sample) => ({ ...NO_FILTER, model: MODELS[sample % MODELS.length] ?? null })],
  ['external_user', (sample) => ({ ...NO_FILTER, externalUser: `user-${(sample * 3) % 1000}` })],
  ['session_id', (sample) => ({ ...NO_FILTER, sessionId: `session-${(sample * 7) % 20_000}` })],
  [
    'provider + outcome=error',
    (sample) => ({
      ...NO_FILTER,
      providerName: PROVIDERS[sample % PROVIDERS.length] ?? null,
      outcome: 'error',
    }),
  ],
  [
    'key + model + 7-day range + min_cost',
    (sample) => ({
      ...NO_FILTER,
      keyHash: KEYS[sample % KEYS.length] ?? null,
      model: MODELS[(sample * 7) % MODELS.length] ?? null,
      sinceIso: toRecordTimestamp(NOW_MS - 14 * DAY_MS),
      beforeIso: toRecordTimestamp(NOW_MS - 7 * DAY_MS),
      minCostPico: 500_000n,
    }),
  ],
];

async function bench(name: string, config: StorageConfig): Promise<void> {
  const storage: Storage = await createStorage(config);
  try {
    const fillStarted = performance.now();
    const batch = 2_000;
    for (let start = 0; start < ROWS; start += batch) {
      const rows: GenerationRow[] = [];
      for (let index = start; index < Math.min(ROWS, start + batch); index += 1) {
        rows.push(row(index));
      }
      await storage.generations.insertMany(rows);
    }
    const fillSeconds = (performance.now() - fillStarted) / 1000;
    if (config.kind === 'postgres') {
      // What autovacuum does soon after a bulk load: planner statistics for the new rows.
      const client = new pg.Client({ connectionString: config.url });
      await client.connect();
      await client.query('ANALYZE');
      await client.end();
    }
    console.log(`\n## ${name}: ${ROWS.toLocaleString('en-US')} records`);
    console.log(
      `fill (records + rollups, batches of ${batch}): ${fillSeconds.toFixed(1)} s, ${Math.round(ROWS / fillSeconds).toLocaleString('en-US')} records/s`,
    );
    const today = new Date(NOW_MS).toISOString().slice(0, 10);
    const since = new Date(NOW_MS - 30 * DAY_MS).toISOString().slice(0, 10);
    const activity = await time(SAMPLES, () => storage.reports.activity(since, today));
    console.log('| query | p50 ms | p99 ms |\n| --- | --- | --- |');
    console.log(
      `| /activity (30 days) | ${activity.p50.toFixed(2)} | ${activity.p99.toFixed(2)} |`,
    );
    const summary = await time(SAMPLES, () =>
      storage.reports.summary({
        grain: 'h',
        groupBy: 'model',
        sincePeriod: new Date(NOW_MS - 7 * DAY_MS).toISOString().slice(0, 13),
        beforePeriod: new Date(NOW_MS).toISOString().slice(0, 13),
        keyHash: null,
      }),
    );
    console.log(
      `| /activity/summary (7 days by hour, per model) | ${summary.p50.toFixed(2)} | ${summary.p99.toFixed(2)} |`,
    );
    for (const [label, filterOf] of FILTERS) {
      const page = await time(SAMPLES, (sample) =>
        storage.reports.listGenerations(filterOf(sample), null, 51),
      );
      console.log(
        `| /generations page of 50, filter: ${label} | ${page.p50.toFixed(2)} | ${page.p99.toFixed(2)} |`,
      );
    }
    if (args.export) {
      const rssBefore = process.memoryUsage().rss;
      let rssMax = rssBefore;
      let seen = 0;
      let after: GenerationCursor | null = null;
      let previous: string | null = null;
      const started = performance.now();
      for (;;) {
        const rows = await storage.reports.listGenerations(NO_FILTER, after, 500);
        for (const each of rows) {
          // Strictly descending (created_at, id) and the right count = every row exactly once,
          // checked without keeping the rows.
          const position = `${each.createdAt} ${each.id}`;
          if (previous !== null && position >= previous)
            throw new Error(`out of order: ${position}`);
          previous = position;
          seen += 1;
        }
        rssMax = Math.max(rssMax, process.memoryUsage().rss);
        const last = rows.at(-1);
        if (rows.length < 500 || last === undefined) break;
        after = { createdAt: last.createdAt, id: last.id };
      }
      console.log(
        `export walk: ${seen.toLocaleString('en-US')} rows in ${((performance.now() - started) / 1000).toFixed(1)} s (expected ${ROWS.toLocaleString('en-US')}), RSS ${(rssBefore / 2 ** 20).toFixed(0)} → max ${(rssMax / 2 ** 20).toFixed(0)} MiB`,
      );
      if (seen !== ROWS) throw new Error(`export saw ${seen} rows, expected ${ROWS}`);
    }
  } finally {
    await storage.close();
  }
}

if (!args['skip-sqlite']) {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-activity-bench-'));
  try {
    await bench('SQLite', { kind: 'sqlite', path: join(dir, 'tollgate.db') });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
if (args.postgres !== undefined) {
  const admin = new pg.Client({ connectionString: args.postgres });
  await admin.connect();
  const database = `tg_bench_${randomBytes(4).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${database}`);
  try {
    const url = new URL(args.postgres);
    url.pathname = `/${database}`;
    await bench('PostgreSQL', { kind: 'postgres', url: url.toString() });
  } finally {
    await admin.query(`DROP DATABASE ${database}`);
    await admin.end();
  }
}
