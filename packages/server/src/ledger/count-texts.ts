// Counting texts with the reference tokenizer (gpt-tokenizer, o200k_base): shared by the worker
// thread (large texts) and the main thread (small ones, count-tokens.ts). Importing this module
// loads the vocabulary (300-900 ms, tens of MB), so the main thread imports it only when asked.
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';

// Byte-pair encoding is quadratic in the length of one pre-tokenizer piece ('a' x 100k takes 12 s),
// so no run of whitespace or of non-whitespace longer than this reaches the tokenizer in one call.
const MAX_RUN_LENGTH = 512;

// An empty disallow-list makes `<|endoftext|>` in user text count as text instead of throwing.
const encodeOptions = { disallowedSpecial: new Set<string>() };

const WARM_UP_TEXT =
  'Hello! The quick brown fox jumps over the lazy dog, 3.14159 times; naïve café 東京 🎉\n\t  ' +
  '{"role":"assistant","content":"Sure: ```ts\nconst x = [1, 2];\n```"} <|endoftext|>';

/**
 * Pays the first-call costs (regex compilation, caches, the JIT of the encoder's paths for
 * words, digits, punctuation, whitespace and multi-byte text): measured cold, the first counts
 * after loading took 20-60 ms each, the warm ones well under 1 ms.
 */
export function warmUpCounting(): void {
  for (let round = 0; round < 20; round++) {
    countTexts([WARM_UP_TEXT, `${round} ${WARM_UP_TEXT}`], Number.POSITIVE_INFINITY);
  }
}

/** A sum of counts; `estimated` when the texts exceeded `maxChars` and were not tokenized. */
export interface TextsCount {
  tokens: number;
  estimated: boolean;
}

/**
 * Counts `texts`, summed, exactly; above `maxChars` characters in all, `ceil(utf8Bytes / 4)`
 * instead, flagged as estimated. When `perText` is given and the texts are counted exactly, each
 * text's count is appended to it, in order (what the main thread's token-count cache stores).
 */
export function countTexts(
  texts: readonly string[],
  maxChars: number,
  perText?: number[],
): TextsCount {
  let characters = 0;
  for (const text of texts) characters += text.length;
  if (characters > maxChars) {
    let bytes = 0;
    for (const text of texts) bytes += Buffer.byteLength(text, 'utf8');
    return { tokens: Math.ceil(bytes / 4), estimated: true };
  }
  let tokens = 0;
  for (const text of texts) {
    const count = countBounded(text);
    tokens += count;
    perText?.push(count);
  }
  return { tokens, estimated: false };
}

/**
 * Counts `text` exactly when no run of whitespace or of non-whitespace exceeds MAX_RUN_LENGTH.
 * Otherwise it cuts only inside the over-long runs (after a newline when a whitespace run has one,
 * else every MAX_RUN_LENGTH characters, never inside a surrogate pair) and sums the chunk counts,
 * so text outside those runs is tokenized exactly as it would be in one piece.
 */
function countBounded(text: string): number {
  let tokens = 0;
  let chunkStart = 0;
  let runStart = 0;
  let runIsWhitespace = text.length > 0 && isWhitespace(text.charCodeAt(0));
  let lastNewline = -1;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    const whitespace = isWhitespace(code);
    if (whitespace !== runIsWhitespace) {
      runStart = index;
      runIsWhitespace = whitespace;
    }
    if (index - runStart === MAX_RUN_LENGTH) {
      const cut = chooseCut(text, runStart, index, runIsWhitespace, lastNewline);
      tokens += countTokens(text.slice(chunkStart, cut), encodeOptions);
      chunkStart = cut;
      runStart = cut;
    }
    if (code === 0x0a) lastNewline = index;
  }
  return tokens + countTokens(text.slice(chunkStart), encodeOptions);
}

function chooseCut(
  text: string,
  runStart: number,
  index: number,
  runIsWhitespace: boolean,
  lastNewline: number,
): number {
  if (runIsWhitespace && lastNewline >= runStart) return lastNewline + 1;
  const before = text.charCodeAt(index - 1);
  const after = text.charCodeAt(index);
  const splitsPair = before >= 0xd800 && before <= 0xdbff && after >= 0xdc00 && after <= 0xdfff;
  return splitsPair ? index - 1 : index;
}

// Exactly JavaScript's `\s`, which the o200k split pattern uses: classifying fewer characters as
// whitespace would let a run like '\u3000\n' x 5000 (one whitespace piece, 550 ms) through uncut.
function isWhitespace(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  if (code < 0xa0) return false;
  return (
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}
