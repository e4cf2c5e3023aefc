// One record per commit, as at one request in flight: wall and CPU µs per `insertMany([row])`
// through two builds' real SQLite storage (createStorage on a file), alternated round by round
// in one process; each commit is followed by one event-loop turn, as a request's own work would
// let the storage's timers run. Decision 0044 (the generation log) was measured with it.
//
//   node --import tsx bench/single-commit-cost.ts --base <other tree>/packages/server/dist
//        [--durability process|power] [--rounds 8] [--commits 1500]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { GenerationRow, Storage } from '../packages/server/src/storage/storage.js';
import { benchGenerationRow } from './bench-rows.js';

const { values } = parseArgs({
  options: {
    base: { type: 'string' },
    durability: { type: 'string', default: 'process' },
    rounds: { type: 'string', default: '8' },
    commits: { type: 'string', default: '1500' },
  },
});
if (values.base === undefined) throw new Error('--base <tree>/packages/server/dist is required');
const trees: Record<string, string> = {
  base: resolve(values.base),
  this: resolve('packages/server/dist'),
};
const durability = values.durability === 'power' ? 'power' : 'process';
const directory = mkdtempSync(join(tmpdir(), 'tollgate-single-commit-'));
const stores: Record<string, Storage> = {};
for (const [name, dist] of Object.entries(trees)) {
  const { createStorage } = (await import(join(dist, 'storage/create-storage.js'))) as {
    createStorage: (config: unknown) => Promise<Storage>;
  };
  stores[name] = await createStorage({
    kind: 'sqlite',
    path: join(directory, `${name}.db`),
    durability,
  });
}

const RECORD = JSON.stringify({ padding: 'x'.repeat(1600) });
let next = 0;
function row(): GenerationRow {
  const id = `gen-${1765000000 + (next >> 10)}-${String(next++).padStart(20, '0')}`;
  return benchGenerationRow({
    id,
    keyHash: `key-${next % 100}`,
    createdAt: new Date(Date.UTC(2026, 10, 22) + next * 10).toISOString(),
    record: RECORD,
  });
}

const rounds = Number(values.rounds);
const commits = Number(values.commits);
const results: Record<string, Array<{ wall: number; cpu: number }>> = { base: [], this: [] };
for (let round = 0; round < rounds; round += 1) {
  for (const name of round % 2 === 0 ? ['this', 'base'] : ['base', 'this']) {
    const storage = stores[name] as Storage;
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (let index = 0; index < commits; index += 1) {
      await storage.generations.insertMany([row()]);
      await new Promise<void>((done) => setImmediate(done));
    }
    const used = process.cpuUsage(cpu);
    results[name]?.push({
      wall: ((performance.now() - started) * 1000) / commits,
      cpu: (used.user + used.system) / commits,
    });
  }
}
const median = (values: number[]) => {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
for (const name of ['base', 'this']) {
  const each = results[name] ?? [];
  console.log(
    `${durability} ${name}: ${median(each.map((one) => one.wall)).toFixed(1)} µs wall, ` +
      `${median(each.map((one) => one.cpu)).toFixed(1)} µs CPU per commit (median of ${rounds} rounds of ${commits})`,
  );
}
for (const storage of Object.values(stores)) await storage.close();
rmSync(directory, { recursive: true, force: true });
