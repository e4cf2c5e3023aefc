// Cost of one token count, in-process vs a worker round trip, by text size: sequential counts
// (one in flight, as at 1 connection), wall time per count and the process's CPU per count (all
// threads). Chooses count-tokens.ts's DEFAULT_IN_PROCESS_MAX_CHARS.
//
//   node --import tsx bench/count-tokens-cost.ts [--counts 2000]
import { parseArgs } from 'node:util';
import { createTokenCounter } from '../packages/server/src/ledger/count-tokens.js';

const { values: args } = parseArgs({ options: { counts: { type: 'string', default: '2000' } } });
const COUNTS = Number(args.counts);
const WORDS = 'the quick brown fox jumps over a lazy dog while 42 cats watch, naïve café; '.repeat(
  400,
);

const inProcess = createTokenCounter({ inProcessMaxChars: 1_000_000 });
const worker = createTokenCounter({ inProcessMaxChars: 0 });
await Promise.all([inProcess.ready(), worker.ready()]);

async function measure(counter: typeof inProcess, text: string) {
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let index = 0; index < COUNTS; index += 1) {
    // A distinct text per count, so no cache makes repeats free.
    await counter.countText(`${index} ${text}`);
  }
  const wall = ((performance.now() - started) * 1000) / COUNTS;
  const used = process.cpuUsage(cpu);
  return { wall, cpu: (used.user + used.system) / COUNTS };
}

for (const size of [200, 500, 1_000, 2_000, 4_000, 8_000]) {
  const text = WORDS.slice(0, size);
  for (let round = 0; round < 2; round += 1) {
    const here = await measure(inProcess, text);
    const there = await measure(worker, text);
    console.log(
      `${size} chars: in-process ${here.wall.toFixed(1)} µs wall / ${here.cpu.toFixed(1)} µs CPU; ` +
        `worker ${there.wall.toFixed(1)} µs wall / ${there.cpu.toFixed(1)} µs CPU`,
    );
  }
}
await Promise.all([inProcess.close(), worker.close()]);
