// Query plans of the generations log (docs/decisions/0022-activity-rollups.md): fills a store with
// N records like bench/activity-bench.ts, then prints, for every combination of the filters
// `GET /generations` offers (key_hash, model, provider, external_user, session_id, api_type,
// outcome, min_cost, a from/to range, a cursor), the plan SQLite (`EXPLAIN QUERY PLAN`) and
// PostgreSQL (`EXPLAIN`, after ANALYZE) choose for the page query the endpoint runs, grouped by
// plan. The SQL is the report store's own (captured from Kysely), not a copy.
//
//   node --import tsx bench/activity-plans.ts [--rows N] [--postgres URL] [--skip-sqlite]
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import SqliteDatabase from 'better-sqlite3';
import { type CompiledQuery, Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { toRecordTimestamp } from '../packages/server/src/ledger/ids.js';
import { createStorage } from '../packages/server/src/storage/create-storage.js';
import type { Database } from '../packages/server/src/storage/database.js';
import { createReportStore } from '../packages/server/src/storage/kysely-reports.js';
import type {
  GenerationCursor,
  GenerationFilter,
  GenerationRow,
} from '../packages/server/src/storage/storage.js';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '20000' },
    postgres: { type: 'string' },
    'skip-sqlite': { type: 'boolean', default: false },
  },
});
const ROWS = Number(args.rows);
const DAY_MS = 86_400_000;
const NOW_MS = Date.UTC(2026, 11, 7, 12);
const KEYS = Array.from({ length: 50 }, (_, index) => index.toString(16).padStart(64, '0'));
const MODELS = Array.from({ length: 20 }, (_, index) => `vendor-${index % 5}/model-${index}`);
const PROVIDERS = ['Acme', 'Beta', 'Gamma', 'Delta', 'Epsilon'];

function row(index: number): GenerationRow {
  const id = `gen-${1_790_000_000 + index}-${index.toString(36).padStart(20, '0')}`;
  const createdAt = toRecordTimestamp(NOW_MS - Math.floor(((ROWS - index) / ROWS) * 60 * DAY_MS));
  const model = MODELS[index % MODELS.length] ?? '';
  const provider = PROVIDERS[index % PROVIDERS.length] ?? null;
  const usage = BigInt(100_000 + (index % 997) * 1_000);
  const outcome = index % 50 === 0 ? 'cancelled' : index % 37 === 0 ? 'error' : 'ok';
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
    externalUser: index % 3 === 0 ? `user-${index % 1000}` : null,
    sessionId: index % 7 === 0 ? `session-${index % 20_000}` : null,
    outcome,
    promptTokens: 100,
    completionTokens: 50,
    reasoningTokens: 0,
    content: null,
    record: JSON.stringify({ id, created_at: createdAt, model }),
  };
}

const DIMENSIONS: Array<[string, (filter: GenerationFilter) => void]> = [
  ['key_hash', (filter) => (filter.keyHash = KEYS[3] ?? null)],
  ['model', (filter) => (filter.model = MODELS[7] ?? null)],
  ['provider', (filter) => (filter.providerName = 'Beta')],
  ['external_user', (filter) => (filter.externalUser = 'user-42')],
  ['session_id', (filter) => (filter.sessionId = 'session-77')],
  ['api_type', (filter) => (filter.apiType = 'embeddings')],
  ['outcome', (filter) => (filter.outcome = 'error')],
  ['min_cost', (filter) => (filter.minCostPico = 500_000n)],
  [
    'from+to',
    (filter) => {
      filter.sinceIso = toRecordTimestamp(NOW_MS - 14 * DAY_MS);
      filter.beforeIso = toRecordTimestamp(NOW_MS - 7 * DAY_MS);
    },
  ],
];
const CURSOR: GenerationCursor = {
  createdAt: toRecordTimestamp(NOW_MS - 10 * DAY_MS),
  id: 'gen-1790000000-zzzz',
};

/** Every combination: its label, filter and cursor. */
function combinations(): Array<[string, GenerationFilter, GenerationCursor | null]> {
  const out: Array<[string, GenerationFilter, GenerationCursor | null]> = [];
  for (let mask = 0; mask < 2 ** (DIMENSIONS.length + 1); mask += 1) {
    const filter: GenerationFilter = {
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
    const names: string[] = [];
    DIMENSIONS.forEach(([name, apply], bit) => {
      if (mask & (1 << bit)) {
        apply(filter);
        names.push(name);
      }
    });
    const cursor = mask & (1 << DIMENSIONS.length) ? CURSOR : null;
    if (cursor !== null) names.push('cursor');
    out.push([names.length === 0 ? 'none' : names.join(' + '), filter, cursor]);
  }
  return out;
}

/** Runs each combination's page query through the report store and returns its compiled SQL. */
async function compiled(database: Kysely<Database>, captured: { query: CompiledQuery | null }) {
  const out: Array<[string, CompiledQuery]> = [];
  const reports = createReportStore(database);
  for (const [label, filter, cursor] of combinations()) {
    captured.query = null;
    await reports.listGenerations(filter, cursor, 51);
    if (captured.query === null) throw new Error(`no query captured for ${label}`);
    out.push([label, captured.query]);
  }
  return out;
}

function report(dialect: string, plans: Array<[string, string]>): void {
  const byPlan = new Map<string, string[]>();
  for (const [label, plan] of plans) byPlan.set(plan, [...(byPlan.get(plan) ?? []), label]);
  console.log(`\n## ${dialect}: ${plans.length} combinations, ${byPlan.size} distinct plans`);
  for (const [plan, labels] of [...byPlan].sort((a, b) => b[1].length - a[1].length)) {
    console.log(`\n### ${labels.length} combination(s), e.g. ${labels.slice(0, 4).join(' | ')}`);
    console.log(plan);
  }
}

async function sqlite(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-plans-'));
  const path = join(dir, 'tollgate.db');
  try {
    const storage = await createStorage({ kind: 'sqlite', path });
    for (let start = 0; start < ROWS; start += 2_000) {
      const rows: GenerationRow[] = [];
      for (let index = start; index < Math.min(ROWS, start + 2_000); index += 1)
        rows.push(row(index));
      await storage.generations.insertMany(rows);
    }
    await storage.close();
    const raw = new SqliteDatabase(path);
    raw.defaultSafeIntegers(true);
    const captured: { query: CompiledQuery | null } = { query: null };
    const database = new Kysely<Database>({
      dialect: new SqliteDialect({ database: raw }),
      log: (event) => {
        if (event.level === 'query') captured.query = event.query;
      },
    });
    const plans: Array<[string, string]> = [];
    for (const [label, query] of await compiled(database, captured)) {
      const lines = raw
        .prepare(`EXPLAIN QUERY PLAN ${query.sql}`)
        .all(...(query.parameters as unknown[])) as Array<{ detail: string }>;
      plans.push([label, lines.map((line) => `  ${line.detail}`).join('\n')]);
    }
    report(`SQLite, ${ROWS} records, no ANALYZE (as the gateway runs)`, plans);
    await database.destroy();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function postgres(url: string): Promise<void> {
  const name = `plans_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const target = new URL(url);
  target.pathname = `/${name}`;
  try {
    const storage = await createStorage({ kind: 'postgres', url: target.toString() });
    for (let start = 0; start < ROWS; start += 2_000) {
      const rows: GenerationRow[] = [];
      for (let index = start; index < Math.min(ROWS, start + 2_000); index += 1)
        rows.push(row(index));
      await storage.generations.insertMany(rows);
    }
    await storage.close();
    const pool = new pg.Pool({ connectionString: target.toString(), max: 1 });
    // DROP DATABASE … WITH (FORCE) below ends any connection still idle in it.
    pool.on('error', () => {});
    await pool.query('ANALYZE');
    const captured: { query: CompiledQuery | null } = { query: null };
    const database = new Kysely<Database>({
      dialect: new PostgresDialect({ pool }),
      log: (event) => {
        if (event.level === 'query') captured.query = event.query;
      },
    });
    const plans: Array<[string, string]> = [];
    for (const [label, query] of await compiled(database, captured)) {
      const result = await pool.query(
        `EXPLAIN (COSTS OFF) ${query.sql}`,
        query.parameters.map((value) => (typeof value === 'bigint' ? value.toString() : value)),
      );
      plans.push([
        label,
        result.rows
          // Values and residual filters differ per combination; the access path is what is compared.
          .map((line: Record<string, string>) => `  ${line['QUERY PLAN']}`)
          .filter((line) => !/^\s*(Filter|Recheck Cond|Sort Key|Presorted Key):/.test(line))
          .map((line) => line.replace(/'[^']*'(::[a-z ]+)?/g, '?'))
          .join('\n'),
      ]);
    }
    report(`PostgreSQL, ${ROWS} records, after ANALYZE`, plans);
    await database.destroy();
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

if (!args['skip-sqlite']) await sqlite();
if (args.postgres !== undefined) await postgres(args.postgres);
