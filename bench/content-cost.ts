// What stored content costs per generation (store_content: true): the time to serialize and
// deflate a typical chat's prompt and output, and the bytes stored, vs the record itself.
//
//   node --import tsx bench/content-cost.ts [--runs N]
import { parseArgs } from 'node:util';
import { packContent } from '../packages/server/src/ledger/generation-content.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5000' } } });
const RUNS = Number(values.runs);
// Prose-like text from a 2,000-word vocabulary (a repeated sentence would compress unrealistically).
const VOCABULARY = Array.from({ length: 2000 }, (_, index) =>
  (index * 2_654_435_761).toString(36).slice(0, 3 + (index % 7)),
);
let seed = 42;
function prose(chars: number): string {
  let text = '';
  while (text.length < chars) {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    text += `${VOCABULARY[seed % VOCABULARY.length]} `;
  }
  return text;
}
const cases = {
  'short chat (~0.3 KB)': {
    input: { messages: [{ role: 'user', content: 'What is on my invoice? Please list it.' }] },
    output: { completion: prose(200), reasoning: null },
    error: null,
  },
  'typical chat (~4 KB)': {
    input: {
      messages: [
        { role: 'system', content: prose(1200) },
        { role: 'user', content: prose(900) },
      ],
    },
    output: { completion: prose(900), reasoning: prose(600) },
    error: null,
  },
  'long prompt (~100 KB)': {
    input: { messages: [{ role: 'user', content: prose(100_000) }] },
    output: { completion: prose(1500), reasoning: null },
    error: null,
  },
};
console.log('| content | raw bytes | stored bytes | pack µs (mean) |\n| --- | --- | --- | --- |');
for (const [name, content] of Object.entries(cases)) {
  const raw = Buffer.byteLength(JSON.stringify(content));
  let stored = 0;
  for (let run = 0; run < 200; run += 1) stored = (await packContent(content)).byteLength;
  const started = performance.now();
  for (let run = 0; run < RUNS; run += 1) await packContent(content);
  const micros = ((performance.now() - started) / RUNS) * 1000;
  console.log(`| ${name} | ${raw} | ${stored} | ${micros.toFixed(0)} |`);
}
