import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { createTokenCounter, TOKENIZER_ID } from '../../src/ledger/count-tokens.js';
import { makeWords } from '../helpers/texts.js';

const encodeOptions = { disallowedSpecial: new Set<string>() };

function exactCount(text: string): number {
  return countTokens(text, encodeOptions);
}

function countPieces(text: string, pieceLength: number): number {
  let tokens = 0;
  for (let start = 0; start < text.length; start += pieceLength) {
    tokens += exactCount(text.slice(start, start + pieceLength));
  }
  return tokens;
}

function makePrompt(characters: number): unknown[] {
  const messages: unknown[] = [{ role: 'system', content: 'You are a careful assistant.' }];
  const perMessage = 50_000;
  for (let used = 0; used < characters; used += perMessage) {
    const text = makeWords(Math.min(perMessage, characters - used), used + 1);
    messages.push({ role: 'user', content: [{ type: 'text', text }] });
  }
  return messages;
}

describe('createTokenCounter', () => {
  test('TOKENIZER_ID names the installed gpt-tokenizer version', () => {
    const require = createRequire(import.meta.url);
    const manifest: unknown = JSON.parse(
      readFileSync(require.resolve('gpt-tokenizer/package.json'), 'utf8'),
    );
    const version = (manifest as { version?: unknown }).version;
    assert.equal(TOKENIZER_ID, `gpt-tokenizer@${String(version)}/o200k_base`);
  });

  test('counts text exactly like gpt-tokenizer, with special-token text counted as text', async (t) => {
    const counter = createTokenCounter();
    t.after(() => counter.close());
    await counter.ready();
    const texts = [
      '',
      'Hello, world!',
      'The quick brown fox jumps over the lazy dog.\n\nSecond paragraph.',
      'function add(a: number, b: number) {\n  return a + b;\n}\n',
      '今日はいい天気ですね。我们明天见。',
      'family: 👨‍👩‍👧‍👦, flag: 🇫🇷',
      'before <|endoftext|> after <|im_start|>',
    ];
    // Sent together, so each reply must find its own request by id.
    const counts = await Promise.all(texts.map((text) => counter.countText(text)));
    assert.deepEqual(
      counts,
      texts.map((text) => ({ tokens: exactCount(text), estimated: false })),
    );
    assert.ok(exactCount('<|endoftext|>') > 1, 'special-token text is not one special token');
  });

  test('counts a conversation with role, name, text parts and tool calls plus overhead', async (t) => {
    const counter = createTokenCounter();
    t.after(() => counter.close());
    const toolArguments = '{"city":"Paris","unit":"celsius"}';
    const messages: unknown[] = [
      { role: 'system', content: 'You answer in one sentence.' },
      {
        role: 'user',
        name: 'ada',
        content: [
          { type: 'text', text: 'What is the weather in Paris?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          { type: 'text', text: 'Answer briefly.' },
        ],
      },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call_1',
            type: 'function',
            function: { name: 'get_weather', arguments: toolArguments },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '18 degrees, sunny' },
      'not a message',
    ];
    const expected =
      3 +
      (3 + exactCount('system') + exactCount('You answer in one sentence.')) +
      (3 +
        exactCount('user') +
        exactCount('ada') +
        1 +
        exactCount('What is the weather in Paris?') +
        exactCount('Answer briefly.')) +
      (3 + exactCount('assistant') + exactCount('get_weather') + exactCount(toolArguments)) +
      (3 + exactCount('tool') + exactCount('18 degrees, sunny'));
    assert.deepEqual(await counter.countPrompt(messages), { tokens: expected, estimated: false });
    assert.deepEqual(await counter.countPrompt([]), { tokens: 3, estimated: false });
  });

  test('counts pathological runs by pieces instead of tokenizing them whole', async (t) => {
    const counter = createTokenCounter();
    t.after(() => counter.close());
    const inputs = ['a'.repeat(100_000), '的'.repeat(30_000), ' '.repeat(100_000)];
    for (const text of inputs) {
      const count = await counter.countText(text);
      const reference = countPieces(text, 512);
      assert.equal(count.estimated, false);
      assert.ok(count.tokens > 0);
      assert.ok(
        Math.abs(count.tokens - reference) <= reference * 0.01,
        `${count.tokens} tokens, expected about ${reference}`,
      );
    }
  });

  test('keeps exact counts when long runs sit inside normal text', async (t) => {
    const counter = createTokenCounter();
    t.after(() => counter.close());
    const prose = makeWords(5_000, 7);
    const text = `${prose}\n${'='.repeat(2_000)}\n${prose}`;
    // 2,000 characters in one piece still tokenize quickly, so the whole text is the reference.
    const expected = exactCount(text);
    const count = await counter.countText(text);
    // Cuts fall only inside the '=' run, so only the tokens at its three cut points can differ.
    assert.ok(Math.abs(count.tokens - expected) <= 3, `${count.tokens} vs ${expected}`);
  });

  test('estimates utf8Bytes / 4 above maxChars instead of tokenizing', async (t) => {
    const counter = createTokenCounter();
    t.after(() => counter.close());
    const text = `${'x'.repeat(1_500_000)}${'é'.repeat(500_000)}`;
    assert.deepEqual(await counter.countText(text), {
      tokens: Math.ceil(Buffer.byteLength(text, 'utf8') / 4),
      estimated: true,
    });

    const small = createTokenCounter({ maxChars: 10 });
    t.after(() => small.close());
    const messages = [{ role: 'user', content: 'twelve chars' }];
    assert.deepEqual(await small.countPrompt(messages), {
      tokens: Math.ceil(Buffer.byteLength('usertwelve chars') / 4) + 3 + 3,
      estimated: true,
    });
  });

  test('counts the same in-process and on the worker', async (t) => {
    const inProcess = createTokenCounter({ inProcessMaxChars: 100_000 });
    const onWorker = createTokenCounter({ inProcessMaxChars: 0 });
    t.after(() => Promise.all([inProcess.close(), onWorker.close()]));
    await Promise.all([inProcess.ready(), onWorker.ready()]);
    const texts = [
      '',
      'hello world',
      'Special <|endoftext|> and <|im_start|> text, naïve café 東京 🎉',
      `${'a'.repeat(1_500)} then words`,
      `${' '.repeat(700)}\n${'\u3000\n'.repeat(300)}end`,
      `emoji ${'🎉'.repeat(600)}`,
      makeWords(3_000, 7),
    ];
    const prompt = [
      { role: 'system', content: 'You are helpful.', name: 'setup' },
      { role: 'user', content: [{ type: 'text', text: makeWords(900, 3) }, { type: 'image_url' }] },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ function: { name: 'f', arguments: '{}' } }],
      },
    ];
    const countAll = async (counter: ReturnType<typeof createTokenCounter>) => [
      ...(await Promise.all(texts.map((text) => counter.countText(text)))),
      await counter.countTexts(texts.slice(0, 4)),
      await counter.countPrompt(prompt),
    ];
    const [here, there] = await Promise.all([countAll(inProcess), countAll(onWorker)]);
    assert.deepEqual(here, there);
    assert.deepEqual(here[1], { tokens: exactCount('hello world'), estimated: false });
  });

  test('rejects a maxChars that is negative or not a number', () => {
    assert.throws(() => createTokenCounter({ maxChars: -1 }), RangeError);
    assert.throws(() => createTokenCounter({ maxChars: Number.NaN }), RangeError);
  });

  test('keeps the main event loop ticking while a 1 MB prompt is counted', async (t) => {
    // Raised so 1 MiB of text is tokenized rather than estimated.
    const counter = createTokenCounter({ maxChars: 2_000_000 });
    t.after(() => counter.close());
    await counter.ready();
    const prompt = makePrompt(1_048_576);
    let ticks = 0;
    const interval = setInterval(() => {
      ticks++;
    }, 5);
    try {
      const count = await counter.countPrompt(prompt);
      assert.equal(count.estimated, false);
      assert.ok(count.tokens > 100_000);
    } finally {
      clearInterval(interval);
    }
    assert.ok(ticks > 3, `interval ticked ${ticks} times`);
  });

  test('close() rejects pending counts and later calls', async () => {
    const counter = createTokenCounter();
    const rejections = [
      assert.rejects(counter.countText(makeWords(900_000, 3)), /closed/),
      assert.rejects(counter.countPrompt(makePrompt(500_000)), /closed/),
    ];
    await counter.close();
    await Promise.all(rejections);
    await assert.rejects(counter.countText('after close'), /closed/);
    await assert.rejects(counter.ready(), /closed/);
    await counter.close();
  });

  test('rejects in-flight counts when the worker crashes and starts a new worker', async (t) => {
    // 16 MB cannot hold the o200k vocabulary, so every worker runs out of memory while loading.
    // In-process counts are off: every count goes to the crashing worker.
    const counter = createTokenCounter({
      resourceLimits: { maxOldGenerationSizeMb: 16 },
      inProcessMaxChars: 0,
    });
    t.after(() => counter.close());
    const first = counter.countText('hello');
    await assert.rejects(first, /worker crashed/);
    await assert.rejects(counter.ready(), /worker crashed/);
    // A fresh worker is started for the next count; it fails the same way instead of hanging.
    await assert.rejects(counter.countText('hello again'), /worker crashed/);
  });

  test('lets the process exit without close() once counts are done', async () => {
    const moduleUrl = new URL('../../src/ledger/count-tokens.ts', import.meta.url).href;
    const script = [
      `const { createTokenCounter } = await import(${JSON.stringify(moduleUrl)});`,
      'const counter = createTokenCounter();',
      "const count = await counter.countText('hello world');",
      'console.log(JSON.stringify(count));',
    ].join('\n');
    const output = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '--eval', script],
        { timeout: 30_000 },
        (error, stdout) => (error === null ? resolve(stdout) : reject(error)),
      );
    });
    assert.deepEqual(JSON.parse(output), { tokens: exactCount('hello world'), estimated: false });
  });
});
