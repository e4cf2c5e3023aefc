/**
 * Server CPU per `GET /api/v1/generation?id=`, two builds alternated: a quick A/B for the lookup
 * lane, without the full suite's fill and baselines. Each build runs as its own process on the
 * server core, on its own copy of a filled store (a data directory a bench run left, e.g.
 * `tollgate-data-power`), and is loaded in turn for `--seconds` per round; the figure is the
 * process's CPU time (user + system, all threads, /proc) per answered lookup, median of the rounds.
 *
 *   node --import tsx bench/lookup-cpu-ab.ts --store /tmp/run/tollgate-data-power \
 *     --a /work/main/packages/server/dist/main.js --b packages/server/dist/main.js \
 *     [--rounds 5] [--seconds 3] [--connections 64] [--profile-b DIR]
 */
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import SqliteDatabase from 'better-sqlite3';
import { freePort, ProcessGroup, pinSelf } from './process-group.js';
import { runLoad } from './run-load.js';
import { median } from './stats.js';
import { lookupRequests, type Target } from './targets.js';

const { values } = parseArgs({
  options: {
    store: { type: 'string' },
    a: { type: 'string' },
    b: { type: 'string' },
    /** More builds to alternate with A and B: `NAME=FILE` (repeatable). */
    also: { type: 'string', multiple: true, default: [] },
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '64' },
    'profile-b': { type: 'string' },
  },
});
if (values.store === undefined || values.a === undefined || values.b === undefined) {
  throw new Error('--store DIR --a MAIN.js --b MAIN.js are required');
}
const storeTemplate = values.store;
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const connections = Number(values.connections);

/** 1,000 ids spread over the store, as the suite's lookups read. */
function sampleIds(databasePath: string): string[] {
  const database = new SqliteDatabase(databasePath, { readonly: true });
  try {
    const count = Number(
      (database.prepare('select count(*) as n from generations').get() as { n: number }).n,
    );
    const byOffset = database.prepare('select id from generations limit 1 offset ?').pluck();
    return Array.from({ length: 1000 }, (_, sample) =>
      String(byOffset.get(Math.floor(((sample + 0.5) * count) / 1000))),
    );
  } finally {
    database.close();
  }
}

const work = mkdtempSync(join(tmpdir(), 'lookup-ab-'));
const group = new ProcessGroup(work);
// No upstream is called: lookups only.
const configPath = join(work, 'tollgate.yaml');
writeFileSync(
  configPath,
  [
    'http:',
    '  max_connections_per_address: 0',
    'providers:',
    '  - name: Bench',
    '    kind: openai',
    '    base_url: http://127.0.0.1:9/v1',
    'models:',
    '  - id: bench/model',
    '    endpoints:',
    '      - provider: Bench',
    '        model: bench-1',
    '        pricing: { prompt: "0.000001", completion: "0.000002" }',
    '',
  ].join('\n'),
);

async function start(name: string, main: string, flags: string[]): Promise<Target> {
  const dataDirectory = join(work, `data-${name}`);
  cpSync(storeTemplate, dataDirectory, { recursive: true });
  const key = `sk-tg-v1-bench${randomBytes(24).toString('hex')}`;
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const server = await group.start({
    name,
    args: [...flags, resolve(main)],
    core: 0,
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      TOLLGATE_DATA_DIR: dataDirectory,
      TOLLGATE_ADMIN_KEY: key,
      TOLLGATE_CONFIG: configPath,
      TOLLGATE_DURABILITY: 'power',
      DATABASE_URL: '',
    },
    healthUrl: `${origin}/health`,
  });
  return {
    name,
    role: 'tollgate',
    origin,
    chatPath: '/api/v1/chat/completions',
    headers: { authorization: `Bearer ${key}` },
    pid: server.pid,
  };
}

try {
  pinSelf();
  const ids = sampleIds(join(storeTemplate, 'tollgate.db'));
  const profile = values['profile-b'];
  const targets = [
    await start('A', values.a, []),
    await start(
      'B',
      values.b,
      profile === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', profile],
    ),
  ];
  for (const spec of values.also ?? []) {
    const [name, file] = spec.split('=');
    if (name === undefined || file === undefined) throw new Error(`--also ${spec}: NAME=FILE`);
    targets.push(await start(name, file, []));
  }
  const micros = new Map<string, number[]>(targets.map((target) => [target.name, []]));
  const rates = new Map<string, number[]>(targets.map((target) => [target.name, []]));
  const load = (target: Target, duration: number) =>
    runLoad({
      origin: target.origin,
      requests: lookupRequests(target, ids),
      connections,
      seconds: duration,
      serverPid: target.pid,
      loadCorePids: [],
    });
  for (const target of targets) await load(target, 1);
  for (let round = 0; round < rounds; round += 1) {
    const order = round % 2 === 0 ? targets : [...targets].reverse();
    for (const target of order) {
      const result = await load(target, seconds);
      if (result.non2xx + result.errors > 0) {
        throw new Error(`${target.name}: ${result.non2xx} non-2xx, ${result.errors} errors`);
      }
      const perLookup = (result.serverCpu / result.requestsPerSecond) * 1e6;
      micros.get(target.name)?.push(perLookup);
      rates.get(target.name)?.push(result.requestsPerSecond);
      console.log(
        `round ${round + 1} ${target.name}: ${perLookup.toFixed(1)} µs/lookup, ` +
          `${Math.round(result.requestsPerSecond)} req/s, p99 ${result.p99.toFixed(2)} ms, ` +
          `server cpu ${Math.round(result.serverCpu * 100)}%, other ${Math.round(result.otherCpu * 100)}%`,
      );
    }
  }
  for (const target of targets) {
    console.log(
      `${target.name} median: ${median(micros.get(target.name) ?? []).toFixed(1)} µs/lookup, ` +
        `${Math.round(median(rates.get(target.name) ?? []))} req/s (${connections} connections)`,
    );
  }
} finally {
  await group.stopAll();
  rmSync(work, { recursive: true, force: true });
}
