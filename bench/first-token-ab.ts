// A/B of two Tollgate builds' time to first token beside the raw proxy, in one run: the fake
// upstream, the raw proxy and each build at each durability level start once; then, round after
// round, streams are sent one at a time to each target in turn — one stream each, then the next
// one each — so a busy machine weighs on all alike within milliseconds. Reported per build and
// level: the median over rounds of (its first-token p50 − the raw proxy's p50 in the same round),
// and the server's CPU µs per stream (from /proc, all threads).
//
//   node --import tsx bench/first-token-ab.ts --build base=<main.js of the base build> \
//     --build new=packages/server/dist/main.js [--seconds 6] [--rounds 5]

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startFakeUpstream, startRawProxy } from './baselines.js';
import { timeOneStream } from './probe-stream-latency.js';
import { cpuSeconds, ProcessGroup } from './process-group.js';
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

/** Streams to every target in turn, one at a time, for `seconds`: first-token p50 and CPU each. */
async function probeInTurn(targets: readonly Target[], seconds: number) {
  const agents = targets.map(() => new Agent({ keepAlive: true, maxSockets: 1 }));
  const timings = targets.map(() => [] as number[]);
  const failures = targets.map(() => 0);
  const cpuBefore = targets.map((target) => cpuSeconds(target.pid));
  const deadline = performance.now() + seconds * 1_000;
  try {
    while (performance.now() < deadline) {
      for (const [index, target] of targets.entries()) {
        const agent = agents[index] as Agent;
        const timing = await timeOneStream(target.origin, chatRequest(target, true), agent).catch(
          () => null,
        );
        if (timing === null) (failures[index] as number) += 1;
        else timings[index]?.push(timing.firstToken);
      }
    }
  } finally {
    for (const agent of agents) agent.destroy();
  }
  return targets.map((target, index) => {
    const streams = timings[index]?.length ?? 0;
    const cpu = cpuSeconds(target.pid) - (cpuBefore[index] as number);
    return {
      name: target.name,
      firstTokenP50: median(timings[index] ?? []),
      failures: failures[index] as number,
      cpuMicrosPerStream: (cpu * 1e6) / Math.max(1, streams),
    };
  });
}

const workDirectory = mkdtempSync(join(tmpdir(), 'tollgate-ttft-ab-'));
const group = new ProcessGroup(workDirectory);
try {
  const upstream = await startFakeUpstream(group, Number(values.chunks));
  const upstreamOrigin = upstream.origin;
  const rawProxy = await startRawProxy(group, upstreamOrigin);
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
  await probeInTurn(targets, 1);
  /** Per target: first-token p50 minus the raw proxy's in the same round, and CPU µs/stream. */
  const added = new Map<string, { deltas: number[]; p50: number[]; cpu: number[] }>();
  for (let round = 0; round < ROUNDS; round += 1) {
    const p50 = new Map<string, { firstToken: number; cpu: number }>();
    for (const result of await probeInTurn(targets, SECONDS)) {
      if (result.failures > 0) console.log(`  ${result.name}: ${result.failures} failures`);
      p50.set(result.name, { firstToken: result.firstTokenP50, cpu: result.cpuMicrosPerStream });
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
