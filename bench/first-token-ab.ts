// A/B of two Tollgate builds' time to first token beside the raw proxy, in one run: the fake
// upstream, the raw proxy and each build at each durability level start once; then rounds of
// streams sent one at a time (bench/probe-stream-latency.ts) visit every target in turn, the order
// rotating each round, so a busy machine weighs on all alike. Reported per build and level: the
// median over rounds of (its first-token p50 − the raw proxy's p50 in the same round), and the
// server's CPU µs per stream (from /proc, all threads).
//
//   node --import tsx bench/first-token-ab.ts --build base=<main.js of the base build> \
//     --build new=packages/server/dist/main.js [--seconds 3] [--rounds 5]
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { probeStreamLatency } from './probe-stream-latency.js';
import { CORES, cpuSeconds, freePort, ProcessGroup } from './process-group.js';
import { startTollgate } from './start-tollgate.js';
import { median } from './stats.js';
import { chatRequest, type Target } from './targets.js';

const { values } = parseArgs({
  options: {
    build: { type: 'string', multiple: true },
    seconds: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '5' },
    chunks: { type: 'string', default: '20' },
  },
});
const BUILDS = (values.build ?? []).map((build) => {
  const [name, main] = build.split('=', 2);
  if (name === undefined || main === undefined) throw new Error(`--build name=path, not ${build}`);
  return { name, main };
});
if (BUILDS.length === 0) throw new Error('at least one --build name=<path of dist/main.js>');
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const LEVELS = ['power', 'process'] as const;

async function probe(target: Target, seconds: number) {
  const cpuBefore = cpuSeconds(target.pid);
  const result = await probeStreamLatency(target.origin, chatRequest(target, true), seconds);
  const cpu = cpuSeconds(target.pid) - cpuBefore;
  return { ...result, cpuMicrosPerStream: (cpu * 1e6) / Math.max(1, result.streams) };
}

const workDirectory = mkdtempSync(join(tmpdir(), 'tollgate-ttft-ab-'));
const group = new ProcessGroup(workDirectory);
try {
  const upstreamPort = await freePort();
  const upstreamOrigin = `http://127.0.0.1:${upstreamPort}`;
  await group.start({
    name: 'fake-upstream',
    args: ['--import', 'tsx', 'bench/fake-upstream.ts', '--port', String(upstreamPort)].concat([
      '--chunks',
      String(values.chunks),
    ]),
    core: CORES.load,
    healthUrl: `${upstreamOrigin}/health`,
  });
  const proxyPort = await freePort();
  const proxy = await group.start({
    name: 'raw-proxy',
    args: ['--import', 'tsx', 'bench/raw-proxy.ts', '--port', String(proxyPort)].concat([
      '--upstream',
      upstreamOrigin,
    ]),
    core: CORES.server,
    healthUrl: `http://127.0.0.1:${proxyPort}/health`,
  });
  const rawProxy: Target = {
    name: 'raw proxy',
    role: 'raw-proxy',
    origin: `http://127.0.0.1:${proxyPort}`,
    chatPath: '/api/v1/chat/completions',
    headers: { authorization: 'Bearer sk-bench-dummy' },
    pid: proxy.pid,
  };
  const targets: Target[] = [rawProxy];
  for (const { name, main } of BUILDS) {
    for (const durability of LEVELS) {
      const directory = join(workDirectory, `${name}-${durability}`);
      mkdirSync(directory);
      const target = await startTollgate({
        group,
        upstreamOrigin,
        workDirectory: directory,
        nodeFlags: [],
        main,
        durability,
      });
      targets.push({ ...target, name: `${name} ${durability}` });
    }
  }
  for (const target of targets) await probe(target, 1);
  /** Per target: first-token p50 minus the raw proxy's in the same round, and CPU µs/stream. */
  const added = new Map<string, { deltas: number[]; p50: number[]; cpu: number[] }>();
  for (let round = 0; round < ROUNDS; round += 1) {
    const order = targets.map((_, index) => targets[(index + round) % targets.length] as Target);
    const p50 = new Map<string, { firstToken: number; cpu: number }>();
    for (const target of order) {
      const result = await probe(target, SECONDS);
      if (result.failures > 0) console.log(`  ${target.name}: ${result.failures} failures`);
      p50.set(target.name, { firstToken: result.firstTokenP50, cpu: result.cpuMicrosPerStream });
    }
    const proxyP50 = p50.get(rawProxy.name)?.firstToken ?? Number.NaN;
    const line = [`round ${round + 1}: raw proxy ${proxyP50.toFixed(3)} ms`];
    for (const target of targets.slice(1)) {
      const own = p50.get(target.name);
      if (own === undefined) continue;
      const entry = added.get(target.name) ?? { deltas: [], p50: [], cpu: [] };
      entry.deltas.push(own.firstToken - proxyP50);
      entry.p50.push(own.firstToken);
      entry.cpu.push(own.cpu);
      added.set(target.name, entry);
      line.push(`${target.name} +${(own.firstToken - proxyP50).toFixed(3)}`);
    }
    console.log(line.join(', '));
  }
  console.log(`${ROUNDS} rounds of ${SECONDS} s per target, streams one at a time (medians):`);
  for (const [name, entry] of added) {
    console.log(
      `  ${name.padEnd(16)} first token p50 ${median(entry.p50).toFixed(3)} ms, ` +
        `added vs raw proxy ${median(entry.deltas).toFixed(3)} ms ` +
        `[${entry.deltas.map((delta) => delta.toFixed(2)).join(' ')}], ` +
        `${median(entry.cpu).toFixed(0)} µs CPU/stream`,
    );
  }
} finally {
  await group.stopAll();
  rmSync(workDirectory, { recursive: true, force: true });
}
