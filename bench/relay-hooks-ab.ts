// A/B of two Tollgate builds beside the raw proxy, in one run: the fake upstream, the raw proxy and
// both builds start once; then rounds of load (non-stream, then 20-chunk streams) visit every
// target in turn, the order rotating each round, so a busy machine weighs on all alike. Reported
// per target: median req/s, its ratio to the raw proxy's, and the server's CPU µs per request
// (from /proc, all threads). The load generator is a small undici loop (no autocannon needed).
//
//   node --import tsx bench/relay-hooks-ab.ts --build base=<main.js of the base build> \
//     --build lean=packages/server/dist/main.js [--build …] [--seconds 5] [--rounds 3] [--connections 64]
//     [--only stream|non-stream] [--profile DIR (a CPU profile of each build, written at exit)]
//     [--durability power|process (default power)]
// Besides the process's CPU per request, the event loop thread's alone (`main thread`) is shown: the
// rest is the threadpool (fsync, log writes), the token-count worker and V8's helper threads.

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { startFakeUpstream, startRawProxy } from './baselines.js';
import { cpuSeconds, ProcessGroup } from './process-group.js';
import { startTollgate } from './start-tollgate.js';
import { chatRequest, type Target } from './targets.js';

const { values } = parseArgs({
  options: {
    build: { type: 'string', multiple: true },
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '64' },
    chunks: { type: 'string', default: '20' },
    only: { type: 'string' },
    profile: { type: 'string' },
    durability: { type: 'string', default: 'power' },
  },
});
if (values.durability !== 'power' && values.durability !== 'process') {
  throw new Error(`--durability takes power or process, not ${values.durability}`);
}
/** `TOLLGATE_DURABILITY` of every build (each its own process and store). */
const DURABILITY: 'power' | 'process' = values.durability;
const BUILDS = (values.build ?? []).map((build) => {
  const [name, main] = build.split('=', 2);
  if (name === undefined || main === undefined) throw new Error(`--build name=path, not ${build}`);
  return { name, main };
});
if (BUILDS.length === 0) throw new Error('at least one --build name=<path of dist/main.js>');
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const CONNECTIONS = Number(values.connections);
const CLOCK_TICKS =
  Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** Requests completed (2xx, body read whole) in `seconds` over `connections` keep-alive sockets. */
async function load(target: Target, stream: boolean, seconds: number) {
  const request = chatRequest(target, stream);
  const pool = new Pool(target.origin, { connections: CONNECTIONS, pipelining: 1 });
  const deadline = performance.now() + seconds * 1000;
  let completed = 0;
  let failed = 0;
  const cpuBefore = cpuSeconds(target.pid);
  const mainBefore = mainThreadCpuSeconds(target.pid);
  const started = performance.now();
  const worker = async () => {
    while (performance.now() < deadline) {
      try {
        const response = await pool.request({
          method: request.method,
          path: request.path,
          headers: request.headers,
          body: request.body ?? null,
        });
        await response.body.text();
        if (response.statusCode === 200) completed += 1;
        else failed += 1;
      } catch {
        failed += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  const elapsed = (performance.now() - started) / 1000;
  const cpu = cpuSeconds(target.pid) - cpuBefore;
  const mainCpu = mainThreadCpuSeconds(target.pid) - mainBefore;
  await pool.close();
  return {
    requestsPerSecond: completed / elapsed,
    cpuMicrosPerRequest: completed === 0 ? Number.NaN : (cpu * 1e6) / completed,
    mainMicrosPerRequest: completed === 0 ? Number.NaN : (mainCpu * 1e6) / completed,
    failed,
  };
}

/** CPU time (user + system) of a process's main thread (its event loop), in seconds. */
function mainThreadCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

const workDirectory = mkdtempSync(join(tmpdir(), 'tollgate-ab-'));
const group = new ProcessGroup(workDirectory);
try {
  const upstream = await startFakeUpstream(group, Number(values.chunks));
  const upstreamOrigin = upstream.origin;
  const targets: Target[] = [await startRawProxy(group, upstreamOrigin)];
  for (const { name, main } of BUILDS) {
    const directory = join(workDirectory, name);
    mkdirSync(directory);
    const target = await startTollgate({
      group,
      upstreamOrigin,
      workDirectory: directory,
      nodeFlags:
        values.profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${values.profile}`],
      main,
      durability: DURABILITY,
    });
    targets.push({ ...target, name });
  }
  const scenarios = [
    { name: 'non-stream', stream: false },
    { name: `${values.chunks}-chunk streams`, stream: true },
  ].filter(
    ({ stream }) => values.only === undefined || values.only === (stream ? 'stream' : 'non-stream'),
  );
  const samples = new Map<
    string,
    { rps: number[]; cpu: number[]; main: number[]; failed: number }
  >();
  // Warm-up: every target serves both shapes briefly before anything is counted.
  for (const target of targets) {
    for (const scenario of scenarios) await load(target, scenario.stream, 1);
  }
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const scenario of scenarios) {
      const order = targets.map((_, index) => targets[(index + round) % targets.length] as Target);
      for (const target of order) {
        const result = await load(target, scenario.stream, SECONDS);
        const key = `${scenario.name}|${target.name}`;
        const entry = samples.get(key) ?? { rps: [], cpu: [], main: [], failed: 0 };
        entry.rps.push(result.requestsPerSecond);
        entry.cpu.push(result.cpuMicrosPerRequest);
        entry.main.push(result.mainMicrosPerRequest);
        entry.failed += result.failed;
        samples.set(key, entry);
      }
    }
  }
  console.log(
    `${CONNECTIONS} connections, ${ROUNDS} rounds of ${SECONDS} s per target and scenario (medians):`,
  );
  for (const scenario of scenarios) {
    const proxyRps = median(samples.get(`${scenario.name}|raw proxy`)?.rps ?? []);
    console.log(`  ${scenario.name}`);
    for (const target of targets) {
      const entry = samples.get(`${scenario.name}|${target.name}`);
      if (entry === undefined) continue;
      const rps = median(entry.rps);
      console.log(
        `    ${target.name.padEnd(10)} ${rps.toFixed(0).padStart(6)} req/s  ` +
          `${(rps / proxyRps).toFixed(2)}× raw proxy  ${median(entry.cpu).toFixed(0).padStart(5)} µs CPU/req` +
          `  (main thread ${median(entry.main).toFixed(0).padStart(5)})` +
          `  per round ${entry.cpu.map((micros) => micros.toFixed(0)).join(' ')}` +
          `${entry.failed > 0 ? `  (${entry.failed} failed)` : ''}`,
      );
    }
  }
} finally {
  await group.stopAll();
  rmSync(workDirectory, { recursive: true, force: true });
}
