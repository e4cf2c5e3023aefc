/**
 * Top self-time functions and modules of a V8 CPU profile (`node --cpu-prof`, or
 * `npm run bench -- --profile`).
 *
 * Run: `node --import tsx bench/summarize-profile.ts /tmp/tollgate-prof-XXXX/CPU.*.cpuprofile`
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** `fastify`, `@scope/name`, `tollgate:routes/x.js`, `node:internal/…`, or a V8 pseudo-frame. */
function moduleOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const packageMatch = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (packageMatch?.[1] !== undefined) return packageMatch[1];
  const tollgateMatch = /packages\/([^/]+)\/dist\/(.*)$/.exec(url);
  if (tollgateMatch !== null) return `tollgate:${tollgateMatch[1]}/${tollgateMatch[2]}`;
  if (url.startsWith('node:')) return url;
  return url.replace(/^file:\/\//, '');
}

function selfTimes(profile: CpuProfile): Map<number, number> {
  const times = new Map<number, number>();
  profile.samples.forEach((nodeId, index) => {
    // timeDeltas[i + 1] is the time spent in sample i (until the next sample was taken).
    const delta = profile.timeDeltas[index + 1] ?? 0;
    times.set(nodeId, (times.get(nodeId) ?? 0) + delta);
  });
  return times;
}

/** Self plus descendants' time of every node (a recursive function counts once per frame). */
function inclusiveTimes(profile: CpuProfile, self: Map<number, number>): Map<number, number> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const totals = new Map<number, number>();
  const visit = (id: number): number => {
    const known = totals.get(id);
    if (known !== undefined) return known;
    let total = self.get(id) ?? 0;
    for (const child of byId.get(id)?.children ?? []) total += visit(child);
    totals.set(id, total);
    return total;
  };
  for (const node of profile.nodes) visit(node.id);
  return totals;
}

function printTop(title: string, totals: Map<string, number>, all: number, top: number): void {
  process.stdout.write(`\n${title} (share of busy time)\n`);
  const sorted = [...totals].sort((left, right) => right[1] - left[1]).slice(0, top);
  for (const [name, micros] of sorted) {
    const share = ((micros / all) * 100).toFixed(1).padStart(5);
    process.stdout.write(`${share}%  ${(micros / 1000).toFixed(0).padStart(7)} ms  ${name}\n`);
  }
}

const { values, positionals } = parseArgs({
  options: { top: { type: 'string', default: '30' } },
  allowPositionals: true,
});
const top = Number(values.top);
for (const file of positionals) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const times = selfTimes(profile);
  const inclusive = inclusiveTimes(profile, times);
  const byFunction = new Map<string, number>();
  const byModule = new Map<string, number>();
  const ownInclusive = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  for (const node of profile.nodes) {
    const micros = times.get(node.id) ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idle += micros;
      continue;
    }
    busy += micros;
    const module = moduleOf(url, functionName);
    const name = `${functionName || '(anonymous)'}  ${module}${url === '' ? '' : `:${lineNumber + 1}`}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
    byModule.set(module, (byModule.get(module) ?? 0) + micros);
    if (module.startsWith('tollgate:')) {
      ownInclusive.set(name, (ownInclusive.get(name) ?? 0) + (inclusive.get(node.id) ?? 0));
    }
  }
  process.stdout.write(
    `${file}: ${(busy / 1e6).toFixed(1)} s busy, ${(idle / 1e6).toFixed(1)} s idle\n`,
  );
  printTop('Self time by function', byFunction, busy, top);
  printTop('Self time by module', byModule, busy, top);
  printTop("Inclusive time of Tollgate's own functions", ownInclusive, busy, top);
}
