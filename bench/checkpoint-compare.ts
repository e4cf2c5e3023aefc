// Stream cost with in-flight checkpoints on (default 1000 ms) vs off (0), interleaved: two
// Tollgate processes on one fake upstream, loaded in turn (A B B A …) with 64 concurrent streams,
// so machine noise hits both alike. Reports, per target, the median over rounds of server CPU per
// stream (from /proc) and streams/s (docs/decisions/0017-checkpoints-and-node-leases.md).
//
//   node --import tsx bench/checkpoint-compare.ts [--rounds 8] [--seconds 4] [--chunks 200]
//        [--connections 64] [--on-first]

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startFakeUpstream } from './baselines.js';
import { cpuSeconds, ProcessGroup } from './process-group.js';
import { startTollgate } from './start-tollgate.js';
import { BENCH_MODEL, type Target } from './targets.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '8' },
    seconds: { type: 'string', default: '4' },
    chunks: { type: 'string', default: '200' },
    connections: { type: 'string', default: '64' },
    /** Start (and first load) the checkpointing Tollgate first, to expose any order bias. */
    'on-first': { type: 'boolean', default: false },
  },
});
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);

const median = (numbers: number[]) => {
  const sorted = [...numbers].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

/** Streams as many completions as it can for `seconds` over `connections` loops; returns how many. */
async function load(target: Target, seconds: number): Promise<number> {
  const body = JSON.stringify({
    model: BENCH_MODEL,
    messages: [{ role: 'user', content: 'hi' }],
    stream: true,
  });
  const until = Date.now() + seconds * 1000;
  let completed = 0;
  const loop = async () => {
    while (Date.now() < until) {
      const response = await fetch(`${target.origin}${target.chatPath}`, {
        method: 'POST',
        headers: { ...target.headers, 'content-type': 'application/json' },
        body,
      });
      const text = await response.text();
      if (response.status === 200 && text.endsWith('[DONE]\n\n')) completed += 1;
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, loop));
  return completed;
}

const work = mkdtempSync(join(tmpdir(), 'tollgate-checkpoint-compare-'));
const group = new ProcessGroup(work);
try {
  const upstreamOrigin = (await startFakeUpstream(group, Number(values.chunks))).origin;
  const targets: Array<{ label: string; target: Target; cpu: number[]; rate: number[] }> = [];
  const variants = [
    ['checkpoints off (0)', '0'],
    ['checkpoints on (1000 ms)', '1000'],
  ] as const;
  for (const [label, interval] of values['on-first'] ? [...variants].reverse() : variants) {
    // The group passes this process's environment to its children.
    process.env['TOLLGATE_CHECKPOINT_INTERVAL_MS'] = interval;
    const workDirectory = mkdtempSync(join(work, `tollgate-${interval}-`));
    const target = await startTollgate({
      group,
      upstreamOrigin,
      workDirectory,
      nodeFlags: [],
      main: 'packages/server/dist/main.js',
      durability: 'power',
    });
    targets.push({ label, target, cpu: [], rate: [] });
  }
  for (const each of targets) await load(each.target, 1);
  for (let round = 0; round < ROUNDS; round += 1) {
    const order = round % 2 === 0 ? targets : [...targets].reverse();
    for (const each of order) {
      const pid = each.target.pid;
      const before = cpuSeconds(pid);
      const streams = await load(each.target, SECONDS);
      const used = cpuSeconds(pid) - before;
      each.cpu.push((used * 1e6) / Math.max(1, streams));
      each.rate.push(streams / SECONDS);
    }
  }
  console.log(
    `${ROUNDS} rounds × ${SECONDS} s per target, ${CONNECTIONS} connections, ${values.chunks} chunks per stream`,
  );
  for (const each of targets) {
    console.log(
      `${each.label}: server CPU per stream p50 ${median(each.cpu).toFixed(0)} µs, ` +
        `${median(each.rate).toFixed(1)} streams/s (all rounds: ${each.cpu.map((value) => value.toFixed(0)).join(', ')} µs)`,
    );
  }
  const off = targets.find((each) => each.label.includes('off'));
  const on = targets.find((each) => each.label.includes('on ('));
  if (off !== undefined && on !== undefined) {
    const ratios = off.cpu.map((value, index) => (on.cpu[index] ?? Number.NaN) / value);
    console.log(`CPU per stream, on / off: median ratio ${median(ratios).toFixed(3)}`);
  }
} finally {
  await group.stopAll();
  rmSync(work, { recursive: true, force: true });
}
