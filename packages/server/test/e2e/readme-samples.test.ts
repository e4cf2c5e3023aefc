import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { startTestGateway } from '../helpers/start-test-gateway.js';

// The README's "Walk-through with curl" runs as written against a fresh demo gateway, and every
// `"key":value` its `# →` lines show must be in the real answer (issue 18: the README showed
// numbers the demo never produced). Values that differ on every run are checked for shape only.
const README = new URL('../../../../README.md', import.meta.url);
const VARYING: Record<string, RegExp> = {
  id: /^gen-\d+-[A-Za-z0-9]+$/,
  created: /^\d+$/,
  created_at: /^\d{4}-\d{2}-\d{2}T/,
  latency: /^\d+$/,
  generation_time: /^\d+$/,
  moderation_latency: /^\d+$/,
};

interface Step {
  command: string;
  /** The `# →` comment lines after the command, joined. */
  shown: string;
}

function walkThrough(readme: string): Step[] {
  const section = readme.split('## Walk-through with curl')[1]?.split('\n```sh\n')[1];
  const block = section?.split('\n```')[0];
  assert.ok(block !== undefined, 'README has a "Walk-through with curl" sh block');
  const steps: Step[] = [];
  const lines = block.split('\n');
  for (let index = 0; index < lines.length; index++) {
    let line = lines[index] ?? '';
    if (!line.startsWith('curl ')) continue;
    while (line.endsWith('\\')) line = `${line.slice(0, -1)} ${(lines[++index] ?? '').trim()}`;
    const shown: string[] = [];
    while (
      (lines[index + 1] ?? '').startsWith('#  ') ||
      (lines[index + 1] ?? '').startsWith('# →')
    ) {
      shown.push((lines[++index] ?? '').replace(/^# →?\s*/, ''));
    }
    steps.push({ command: line, shown: shown.join('') });
  }
  return steps;
}

/** Runs one `curl -s URL -H … -d '…'` line through fetch. */
async function runCurl(command: string, baseUrl: string, key: string): Promise<unknown> {
  const expanded = command.replaceAll('$KEY', key).replaceAll('http://127.0.0.1:8080', baseUrl);
  const url = /"(http[^"]+)"|\s(http\S+)/.exec(expanded);
  const target = url?.[1] ?? url?.[2];
  assert.ok(target !== undefined, `no URL in ${command}`);
  const headers: Record<string, string> = {};
  for (const match of expanded.matchAll(/-H (?:"([^"]+)"|'([^']+)')/g)) {
    const [name, ...value] = (match[1] ?? match[2] ?? '').split(':');
    headers[(name ?? '').trim().toLowerCase()] = value.join(':').trim();
  }
  const body = /-d '([^']*)'/.exec(expanded)?.[1];
  const response = await fetch(target, {
    method: body === undefined ? 'GET' : 'POST',
    headers,
    ...(body === undefined ? {} : { body }),
  });
  assert.equal(response.status, 200, `${command} answered ${response.status}`);
  return response.json();
}

/** Every value of `key` anywhere in `value`. */
function valuesOf(value: unknown, key: string, found: unknown[] = []): unknown[] {
  if (Array.isArray(value)) for (const each of value) valuesOf(each, key, found);
  else if (typeof value === 'object' && value !== null) {
    for (const [name, each] of Object.entries(value)) {
      if (name === key) found.push(each);
      valuesOf(each, key, found);
    }
  }
  return found;
}

function checkShown(shown: string, answer: unknown): number {
  let checked = 0;
  const pairs = shown.matchAll(
    /"(\w+)":("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:e-?\d+)?|true|false|null)/g,
  );
  for (const [, key = '', literal = ''] of pairs) {
    const actual = valuesOf(answer, key);
    assert.ok(
      actual.length > 0,
      `README shows "${key}", the answer has none: ${JSON.stringify(answer)}`,
    );
    const varying = VARYING[key];
    if (varying !== undefined) {
      assert.ok(
        actual.some((each) => varying.test(String(each))),
        `"${key}" ${JSON.stringify(actual)} does not look like ${varying}`,
      );
    } else if (!literal.includes('…')) {
      const expected: unknown = JSON.parse(literal);
      assert.ok(
        actual.some((each) => JSON.stringify(each) === JSON.stringify(expected)),
        `README shows "${key}":${literal}, the demo answers ${actual.map((each) => JSON.stringify(each)).join(' or ')}`,
      );
    }
    checked++;
  }
  return checked;
}

test("the README's curl walk-through shows what a fresh demo gateway answers", async (t) => {
  const harness = await startTestGateway({ demo: true });
  t.after(() => harness.close());
  const steps = walkThrough(await readFile(README, 'utf8'));
  assert.ok(steps.length >= 2, 'the walk-through has its two curl commands');
  let generationId: string | null = null;
  let checked = 0;
  for (const step of steps) {
    const command =
      generationId === null
        ? step.command
        : step.command.replace(/gen-[A-Za-z0-9-]+/, generationId);
    const answer = await runCurl(command, harness.gateway.url, harness.key);
    const id = (answer as { id?: unknown }).id;
    if (typeof id === 'string' && id.startsWith('gen-')) generationId = id;
    checked += checkShown(step.shown, answer);
  }
  assert.ok(checked >= 10, `only ${checked} values checked`);
});
