/**
 * `npm run bench`: Tollgate against a raw reverse proxy, the upstream direct, Portkey's gateway
 * and a bare lookup server, on loopback, interleaved and repeated; writes BENCHMARKS.md at the
 * repo root. See bench/README.md for every scenario and option.
 *
 *   npm run bench                    full run (about 15 minutes)
 *   npm run bench -- --quick         a few minutes; writes bench/results/quick.md instead
 *   npm run bench -- --long          full run on a store of 10M generations
 *   npm run bench -- --profile       also writes a CPU profile of Tollgate under /tmp
 *   options: --seconds N --reps N --warmup N --chunks N --out FILE --build
 *            --only chat-c1,chat-c64,stream-c64,stream-first-token,stream-memory,lookup-c1,
 *                   lookup-c64,durable-writes
 *            --rows N --streams N --writes N --postgres URL --quiet-wait N
 *            --tollgate-main FILE   another entry point to compare (same env as main.js)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(repoRoot);

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    long: { type: 'boolean', default: false },
    rows: { type: 'string' },
    streams: { type: 'string', default: '1000' },
    writes: { type: 'string' },
    postgres: { type: 'string' },
    'quiet-wait': { type: 'string' },
    seconds: { type: 'string' },
    reps: { type: 'string' },
    warmup: { type: 'string' },
    chunks: { type: 'string', default: '20' },
    out: { type: 'string' },
    build: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    only: { type: 'string' },
    'tollgate-main': { type: 'string', default: 'packages/server/dist/main.js' },
  },
});

function run(command: string, args: string[]): void {
  process.stderr.write(`bench: ${command} ${args.join(' ')}\n`);
  execFileSync(command, args, { stdio: 'inherit' });
}

// Heavy dependencies live in bench/ only, installed on first use (not by the root `npm ci`).
if (
  !existsSync('bench/node_modules/autocannon') ||
  !existsSync('bench/node_modules/@portkey-ai/gateway/package.json')
) {
  run('npm', ['ci', '--prefix', 'bench', '--no-audit', '--no-fund']);
}
if (values.build || !existsSync('packages/server/dist/main.js')) run('npm', ['run', 'build']);

const quick = values.quick;
const settings = {
  seconds: Number(values.seconds ?? (quick ? 2 : 8)),
  reps: Number(values.reps ?? (quick ? 2 : 5)),
  warmupSeconds: Number(values.warmup ?? (quick ? 1 : 2)),
  probeSeconds: quick ? 1 : 4,
  noiseRetries: quick ? 1 : 3,
  quietWaitSeconds: Number(values['quiet-wait'] ?? (quick ? 5 : 60)),
  chunks: Number(values.chunks),
  rows: Number(values.rows ?? (values.long ? 10_000_000 : quick ? 200_000 : 1_000_000)),
  openStreams: Number(values.streams),
  memoryReps: quick ? 1 : 3,
  writes: Number(values.writes ?? (quick ? 5_000 : 20_000)),
  postgresUrl: values.postgres ?? process.env['DATABASE_URL'] ?? null,
};
const out = values.out ?? (quick ? 'bench/results/quick.md' : 'BENCHMARKS.md');
const profileDirectory = values.profile ? mkdtempSync(join(tmpdir(), 'tollgate-prof-')) : null;

const { ProcessGroup, pinSelf, CAN_PIN } = await import('./process-group.js');
const { stopCurrentLoad } = await import('./run-load.js');
const { runSuite, SCENARIO_IDS } = await import('./run-suite.js');
const { renderReport } = await import('./render-report.js');
const { findIssues } = await import('./summarize-results.js');
const { describeMachine, describeVersions, describeCommand, sampleMachineBusy } = await import(
  './describe-run.js'
);

const busyBefore = await sampleMachineBusy(1);
if (busyBefore > 0.25) {
  process.stderr.write(
    `bench: warning: the machine is already ${Math.round(busyBefore * 100)}% of a core busy; ` +
      'figures will be noisy (see "other CPU" in the report)\n',
  );
}
const only = SCENARIO_IDS.filter(
  (id) => values.only === undefined || values.only.split(',').includes(id),
);
if (only.length === 0) throw new Error(`--only takes some of: ${SCENARIO_IDS.join(', ')}`);
pinSelf();
const workDirectory = mkdtempSync(join(tmpdir(), 'tollgate-bench-'));
const group = new ProcessGroup(workDirectory);
const controller = new AbortController();
let signals = 0;
const onSignal = (signal: NodeJS.Signals) => {
  signals += 1;
  process.stderr.write(`bench: ${signal}, stopping\n`);
  if (signals > 1) {
    group.killAll();
    process.exit(130);
  }
  controller.abort(new Error(`interrupted by ${signal}`));
  stopCurrentLoad();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
process.on('exit', () => group.killAll());

const startedAt = new Date();
// Read before the run: others may commit or rebuild while it goes on; Tollgate runs what dist was.
const versions = describeVersions();
let exitCode = 0;
try {
  const result = await runSuite({
    group,
    workDirectory,
    ...settings,
    tollgateNodeFlags:
      profileDirectory === null ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDirectory}`],
    only,
    tollgateMain: values['tollgate-main'],
    signal: controller.signal,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const report = renderReport(
    result,
    {
      command: describeCommand(),
      startedAt,
      minutes: (Date.now() - startedAt.getTime()) / 60_000,
      machine: describeMachine(busyBefore),
      versions,
      ...settings,
      pinned: CAN_PIN,
      tollgateMain: values['tollgate-main'],
    },
    existsSync(out) ? readFileSync(out, 'utf8') : null,
  );
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, report);
  process.stdout.write(`${report}\nbench: wrote ${relative(repoRoot, resolve(out))}\n`);
  const issues = findIssues(result).filter((issue) => /non-2xx|failed/.test(issue));
  if (issues.length > 0) exitCode = 1;
} catch (error) {
  exitCode = controller.signal.aborted ? 130 : 1;
  process.stderr.write(
    `bench: ${error instanceof Error ? (error.stack ?? error.message) : error}\n`,
  );
  process.stderr.write(`bench: logs kept in ${workDirectory}\n`);
} finally {
  await group.stopAll();
}
if (exitCode === 0) rmSync(workDirectory, { recursive: true, force: true });
if (profileDirectory !== null)
  process.stderr.write(`bench: Tollgate CPU profile in ${profileDirectory}\n`);
process.exit(exitCode);
