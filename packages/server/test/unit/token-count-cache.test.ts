import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { createTokenCounter } from '../../src/ledger/count-tokens.js';
import { CACHED_TEXT_MIN_CHARS, TokenCountCache } from '../../src/ledger/token-count-cache.js';
import { makeWords } from '../helpers/texts.js';

const encodeOptions = { disallowedSpecial: new Set<string>() };

/** Long texts of every kind the counting treats specially, both sides of the in-process limit. */
function longTexts(): string[] {
  return [
    makeWords(CACHED_TEXT_MIN_CHARS, 1),
    makeWords(1_500, 2),
    makeWords(20_000, 3),
    `naïve café 東京 ${'今日はいい天気ですね。'.repeat(200)} 👨‍👩‍👧‍👦 🇫🇷`,
    // A surrogate pair across the 512-character cut of a long run.
    `${'x'.repeat(511)}${'🎉'.repeat(800)}`,
    'a'.repeat(30_000),
    `${' '.repeat(3_000)}\n${'\t'.repeat(700)}end`,
    `${makeWords(2_000, 4)} <|endoftext|> ${makeWords(2_000, 5)}<|im_start|>`,
  ];
}

describe('TokenCountCache', () => {
  test('never looks up or keys a text shorter than CACHED_TEXT_MIN_CHARS', () => {
    const cache = new TokenCountCache(8);
    const short = 'x'.repeat(CACHED_TEXT_MIN_CHARS - 1);
    const lookup = cache.lookup([short, 'user']);
    assert.deepEqual(lookup, { cachedTokens: 0, uncounted: [short, 'user'], keys: undefined });
    assert.equal(cache.misses, 0);
  });

  test('keeps counts per scope (key hash): a text one key sent is no hit for another', () => {
    const cache = new TokenCountCache(8);
    const text = makeWords(2_000, 7);
    const [keyA, keyB] = ['a'.repeat(64), 'b'.repeat(64)];
    const first = cache.lookup([text], keyA);
    cache.store(first.keys ?? [], [450]);
    const other = cache.lookup([text], keyB);
    assert.deepEqual(other.uncounted, [text]);
    assert.equal(cache.hits, 0);
    assert.equal(cache.misses, 2);
    assert.deepEqual(cache.lookup([text], keyA), {
      cachedTokens: 450,
      uncounted: [],
      keys: undefined,
    });
    assert.equal(cache.hits, 1);
    // Nor does an unscoped count see it.
    assert.deepEqual(cache.lookup([text]).uncounted, [text]);
  });

  test('answers a stored text and lines keys up with the texts left to count', () => {
    const cache = new TokenCountCache(8);
    const [first, second] = [makeWords(2_000, 1), makeWords(3_000, 2)];
    const miss = cache.lookup(['user', first, 'assistant', second]);
    assert.deepEqual(miss.uncounted, ['user', first, 'assistant', second]);
    assert.equal(miss.keys?.length, 4);
    assert.equal(miss.keys?.[0], undefined);
    assert.equal(miss.keys?.[2], undefined);
    cache.store(miss.keys ?? [], [1, 400, 1, 700]);
    const hit = cache.lookup(['user', first, 'tool', second]);
    assert.deepEqual(hit, { cachedTokens: 1_100, uncounted: ['user', 'tool'], keys: undefined });
    assert.equal(cache.hits, 2);
    assert.equal(cache.size, 2);
  });

  test('evicts the least recently used entry beyond its bound; a hit makes an entry recent', () => {
    const cache = new TokenCountCache(2);
    const [a, b, c] = [makeWords(1_100, 1), makeWords(1_100, 2), makeWords(1_100, 3)];
    const store = (text: string, count: number) =>
      cache.store(cache.lookup([text]).keys ?? [], [count]);
    store(a, 10);
    store(b, 20);
    assert.equal(cache.lookup([a]).cachedTokens, 10, 'a hit: a is now more recent than b');
    store(c, 30);
    assert.equal(cache.size, 2);
    assert.deepEqual(cache.lookup([b]).uncounted, [b], 'b, least recently used, was evicted');
    assert.equal(cache.lookup([a]).cachedTokens, 10);
    assert.equal(cache.lookup([c]).cachedTokens, 30);
  });

  test('caches nothing with a bound of 0', () => {
    const cache = new TokenCountCache(0);
    const text = makeWords(2_000, 1);
    assert.equal(cache.lookup([text]).keys, undefined);
    assert.equal(cache.size, 0);
  });
});

describe('createTokenCounter with a token-count cache', () => {
  test('cached counts equal uncached counts for long texts, alone, summed and in prompts', async (t) => {
    const cache = new TokenCountCache();
    const cached = createTokenCounter({ cache });
    const uncached = createTokenCounter({ cache: null });
    t.after(() => Promise.all([cached.close(), uncached.close()]));
    await Promise.all([cached.ready(), uncached.ready()]);
    const texts = longTexts();
    const prompt = [
      { role: 'system', content: texts[3] },
      { role: 'user', name: 'ada', content: [{ type: 'text', text: texts[0] }] },
      { role: 'assistant', content: texts[7] },
      { role: 'user', content: 'And now?' },
    ];
    const countAll = (counter: typeof cached) =>
      Promise.all([
        ...texts.map((text) => counter.countText(text)),
        counter.countTexts(texts),
        counter.countPrompt(prompt),
      ]);
    const expected = await countAll(uncached);
    // The prose has no run over 512 characters, so its count is the tokenizer's own.
    for (const [index, text] of texts.slice(0, 3).entries()) {
      assert.equal(expected[index]?.tokens, countTokens(text, encodeOptions), 'reference count');
    }
    assert.deepEqual(await countAll(cached), expected, 'first pass: counted, and cached');
    const hitsBefore = cache.hits;
    assert.deepEqual(await countAll(cached), expected, 'second pass: answered from the cache');
    assert.equal(cache.hits - hitsBefore, texts.length * 2 + 3, 'every long text was a hit');
    assert.equal(cache.size, texts.length);
  });

  test('counts from the worker fill the cache, then answer without it', async (t) => {
    const cache = new TokenCountCache();
    const counter = createTokenCounter({ cache });
    t.after(() => counter.close());
    await counter.ready();
    const history = makeWords(20_000, 9);
    const first = await counter.countPrompt([{ role: 'user', content: history }]);
    assert.equal(cache.size, 1, 'the worker reported the count of the long text');
    const next = [
      { role: 'user', content: history },
      { role: 'user', content: 'Short follow-up.' },
    ];
    const second = await counter.countPrompt(next);
    assert.equal(cache.hits, 1);
    assert.deepEqual(second, {
      tokens:
        first.tokens +
        3 +
        countTokens('user', encodeOptions) +
        countTokens('Short follow-up.', encodeOptions),
      estimated: false,
    });
  });

  test('still estimates texts over maxChars in all, cached or not', async (t) => {
    const cache = new TokenCountCache();
    const cached = createTokenCounter({ cache, maxChars: 5_000 });
    const uncached = createTokenCounter({ cache: null, maxChars: 5_000 });
    t.after(() => Promise.all([cached.close(), uncached.close()]));
    const [a, b] = [makeWords(3_000, 1), '東京'.repeat(1_100)];
    await cached.countText(a);
    await cached.countText(b);
    assert.equal(cache.size, 2);
    const estimate = { tokens: Math.ceil(Buffer.byteLength(a + b) / 4), estimated: true };
    assert.deepEqual(await cached.countTexts([a, b]), estimate);
    assert.deepEqual(await uncached.countTexts([a, b]), estimate);
    assert.equal(cache.hits, 0, 'an estimated count does not ask the cache');
  });
});
