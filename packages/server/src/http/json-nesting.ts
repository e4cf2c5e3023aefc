/**
 * How deeply a request body's JSON may nest (objects and arrays, the body itself being level 1).
 * Real requests stay far below: a tool's JSON Schema nests two levels per schema level, so 128
 * leaves room for schemas 50+ levels deep, while every recursive walk of the body (zod, the
 * upstream `JSON.stringify`, the cost bound) stays thousands of frames short of the stack limit.
 * See docs/decisions/0019-request-validation-and-key-rotation.md.
 */
export const MAX_JSON_DEPTH = 128;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;

/** Index of the quote that closes the string opened at `start` (or -1 if none). */
function closingQuote(text: string, start: number): number {
  let at = text.indexOf('"', start + 1);
  while (at !== -1) {
    let backslashes = 0;
    while (text.charCodeAt(at - 1 - backslashes) === BACKSLASH) backslashes += 1;
    if (backslashes % 2 === 0) return at;
    at = text.indexOf('"', at + 1);
  }
  return -1;
}

/**
 * Offset of the bracket that opens level `maxDepth + 1`, or -1 when the text nests no deeper than
 * `maxDepth`. One pass over the bytes outside strings; string contents are skipped with `indexOf`.
 * Text that is not JSON is scanned all the same (JSON.parse reports it afterwards).
 */
export function findExcessiveNesting(text: string, maxDepth: number = MAX_JSON_DEPTH): number {
  let depth = 0;
  for (let at = 0; at < text.length; at += 1) {
    const code = text.charCodeAt(at);
    if (code === QUOTE) {
      at = closingQuote(text, at);
      if (at === -1) return -1;
    } else if (code === OPEN_OBJECT || code === OPEN_ARRAY) {
      depth += 1;
      if (depth > maxDepth) return at;
    } else if (code === CLOSE_OBJECT || code === CLOSE_ARRAY) {
      depth -= 1;
    }
  }
  return -1;
}

interface Frame {
  isObject: boolean;
  /** The current member's key (objects) or element index (arrays). */
  key: string | number | null;
  expectKey: boolean;
}

function formatFrames(frames: readonly Frame[]): string {
  let path = '';
  for (const frame of frames) {
    if (typeof frame.key === 'number') path += `[${frame.key}]`;
    else if (frame.key !== null) path += path === '' ? frame.key : `.${frame.key}`;
  }
  return path;
}

function readKey(text: string, start: number, end: number): string {
  try {
    return String(JSON.parse(text.slice(start, end + 1)));
  } catch {
    return text.slice(start + 1, end);
  }
}

/**
 * The path (`tools[0].function.parameters.properties…`) of the value holding the bracket at
 * `offset`: only called once {@link findExcessiveNesting} found one, so the common case never
 * pays for key tracking.
 */
export function pathAtOffset(text: string, offset: number): string {
  const frames: Frame[] = [];
  for (let at = 0; at < offset; at += 1) {
    const code = text.charCodeAt(at);
    const top = frames.at(-1);
    if (code === QUOTE) {
      const end = closingQuote(text, at);
      if (end === -1) break;
      if (top?.isObject === true && top.expectKey) {
        top.key = readKey(text, at, end);
        top.expectKey = false;
      }
      at = end;
    } else if (code === OPEN_OBJECT || code === OPEN_ARRAY) {
      const isObject = code === OPEN_OBJECT;
      frames.push({ isObject, key: isObject ? null : 0, expectKey: isObject });
    } else if (code === CLOSE_OBJECT || code === CLOSE_ARRAY) {
      frames.pop();
    } else if (code === COMMA && top !== undefined) {
      if (top.isObject) top.expectKey = true;
      else top.key = (top.key as number) + 1;
    }
  }
  return formatFrames(frames);
}
