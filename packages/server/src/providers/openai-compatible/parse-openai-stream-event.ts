import type { ChatChunkChoice, TextCompletionChunkChoice } from '@tollgate/protocol';
import { UpstreamError } from '../../errors/gateway-error.js';
import { mapFinishReason } from '../map-finish-reason.js';
import type { AdapterSettings, UpstreamChunk } from '../provider-adapter.js';
import { invalidUpstreamResponse, parseJson } from '../upstream-response.js';
import { isOpenAIUsage, toNativeUsage } from './to-native-usage.js';

// A stream relays ~20 events per generation, so each event is checked by hand rather than by zod
// (docs/decisions/0029-lean-relay-and-hooks.md). The checks accept exactly what the zod schemas of
// the non-stream bodies accept for the same fields (openai-api-types.ts): extra keys pass through.

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNullishString(value: unknown): boolean {
  return value === undefined || value === null || typeof value === 'string';
}

/** `index`: absent, or a non-negative safe integer (null is not accepted, as in the schemas). */
function isChoiceIndex(value: unknown): boolean {
  return value === undefined || (Number.isSafeInteger(value) && (value as number) >= 0);
}

function isChatChoice(choice: unknown): choice is Json {
  if (!isRecord(choice)) return false;
  const delta = choice['delta'];
  return (
    isChoiceIndex(choice['index']) &&
    (delta === undefined || delta === null || isRecord(delta)) &&
    isNullishString(choice['finish_reason'])
  );
}

function isTextChoice(choice: unknown): choice is Json {
  return (
    isRecord(choice) &&
    isChoiceIndex(choice['index']) &&
    isNullishString(choice['text']) &&
    isNullishString(choice['finish_reason'])
  );
}

/**
 * Whether a choice holds a key besides the four every choice may carry (and the one named
 * `field`, its text or delta): then it is mapped with its extra keys first, as they came.
 */
function hasExtraKeys(choice: Json, field: 'delta' | 'text'): boolean {
  for (const key in choice) {
    if (key !== field && key !== 'index' && key !== 'finish_reason' && key !== 'logprobs') {
      return true;
    }
  }
  return false;
}

function toChatChunkChoice(choice: Json, position: number): ChatChunkChoice {
  const native = (choice['finish_reason'] as string | null | undefined) ?? null;
  const index = (choice['index'] as number | undefined) ?? position;
  const delta = (choice['delta'] as ChatChunkChoice['delta'] | null | undefined) ?? {};
  const logprobs = choice['logprobs'] ?? null;
  // Nearly every chunk: a literal, no rest and spread (the same keys in the same order).
  if (!hasExtraKeys(choice, 'delta')) {
    return {
      index,
      delta,
      finish_reason: mapFinishReason(native),
      native_finish_reason: native,
      logprobs,
    };
  }
  const {
    finish_reason: _finish,
    delta: _delta,
    logprobs: _logprobs,
    index: _index,
    ...rest
  } = choice;
  return {
    ...rest,
    index,
    delta,
    finish_reason: mapFinishReason(native),
    native_finish_reason: native,
    logprobs,
  };
}

function toTextChunkChoice(choice: Json, position: number): TextCompletionChunkChoice {
  const native = (choice['finish_reason'] as string | null | undefined) ?? null;
  const index = (choice['index'] as number | undefined) ?? position;
  const text = (choice['text'] as string | null | undefined) ?? '';
  const logprobs = choice['logprobs'] ?? null;
  if (!hasExtraKeys(choice, 'text')) {
    return {
      index,
      text,
      finish_reason: mapFinishReason(native),
      native_finish_reason: native,
      logprobs,
    };
  }
  const {
    finish_reason: _finish,
    text: _text,
    logprobs: _logprobs,
    index: _index,
    ...rest
  } = choice;
  return {
    ...rest,
    index,
    text,
    finish_reason: mapFinishReason(native),
    native_finish_reason: native,
    logprobs,
  };
}

/** How one API's stream choices are checked and mapped. */
interface ChoiceShape<Choice> {
  what: string;
  isChoice(choice: unknown): choice is Json;
  toChoice(choice: Json, position: number): Choice;
}

const CHAT: ChoiceShape<ChatChunkChoice> = {
  what: 'chat completion',
  isChoice: isChatChoice,
  toChoice: toChatChunkChoice,
};

const TEXT: ChoiceShape<TextCompletionChunkChoice> = {
  what: 'text completion',
  isChoice: isTextChoice,
  toChoice: toTextChunkChoice,
};

/** Whether a parsed event has the envelope of an OpenAI stream chunk (choices checked apart). */
function isChunkEnvelope(json: unknown): json is Json {
  return (
    isRecord(json) &&
    isNullishString(json['id']) &&
    isNullishString(json['system_fingerprint']) &&
    isNullishString(json['service_tier']) &&
    isOpenAIUsage(json['usage'])
  );
}

function midStreamError(error: unknown, settings: AdapterSettings): UpstreamError {
  const message =
    typeof error === 'object' && error !== null && 'message' in error
      ? String(error.message)
      : 'Provider returned an error mid-stream';
  return new UpstreamError(
    'upstream_error',
    message,
    { provider_name: settings.providerName, raw: error },
    { retryable: false },
  );
}

/** Parses and checks the JSON of one event (trimmed, neither the end marker nor blank). */
function readChunk(trimmed: string, settings: AdapterSettings, shape: ChoiceShape<unknown>): Json {
  const json = parseJson(trimmed);
  if (json === undefined)
    throw invalidUpstreamResponse(settings, 'malformed stream event', trimmed);
  const rawChoices = isRecord(json) ? json['choices'] : undefined;
  let valid = isChunkEnvelope(json);
  if (valid && rawChoices !== undefined && rawChoices !== null) {
    valid = Array.isArray(rawChoices) && rawChoices.every(shape.isChoice);
  }
  if (!valid) throw invalidUpstreamResponse(settings, `not a ${shape.what} chunk`, json);
  const chunk = json as Json;
  const error = chunk['error'];
  if (error !== undefined && error !== null) throw midStreamError(error, settings);
  return chunk;
}

/** The chunk a checked event's JSON maps to. */
function toUpstreamChunk<Choice>(chunk: Json, shape: ChoiceShape<Choice>): UpstreamChunk<Choice> {
  const rawChoices = chunk['choices'];
  const choices: Choice[] = [];
  if (Array.isArray(rawChoices)) {
    for (let position = 0; position < rawChoices.length; position += 1) {
      choices.push(shape.toChoice(rawChoices[position] as Json, position));
    }
  }
  return {
    upstreamId: (chunk['id'] as string | null | undefined) ?? null,
    choices,
    usage: toNativeUsage(chunk['usage'] as Parameters<typeof toNativeUsage>[0]),
    systemFingerprint: (chunk['system_fingerprint'] as string | null | undefined) ?? null,
    serviceTier: (chunk['service_tier'] as string | null | undefined) ?? null,
  };
}

/** Parses one OpenAI stream event (stateless: every chunk is complete in itself). */
function parseEvent<Choice>(
  data: string,
  settings: AdapterSettings,
  shape: ChoiceShape<Choice>,
): UpstreamChunk<Choice> | 'done' | 'skip' {
  const trimmed = data.trim();
  if (trimmed === '[DONE]') return 'done';
  if (trimmed === '') return 'skip';
  return toUpstreamChunk(readChunk(trimmed, settings, shape), shape);
}

/**
 * The text a stream's plain content chunks share around their content: nearly every chunk of a
 * chat stream is the previous one with another `delta.content` string. An event that is `head`,
 * one JSON string, then `tail` is that chunk with that content, and needs no JSON.parse of the
 * whole event nor its checks (they passed on the same text around another string).
 */
interface ContentTemplate {
  head: string;
  tail: string;
  index: number;
  upstreamId: string | null;
  systemFingerprint: string | null;
  serviceTier: string | null;
}

/**
 * Where a checked event (its text and JSON) would be cut into a template, when it is a plain
 * content chunk: no usage, one choice of index, `delta` and null `finish_reason` / `logprobs`
 * only, a delta of `content` only, whose string is written as JSON.stringify writes it.
 */
function templateSite(trimmed: string, chunk: Json): ContentTemplate | null {
  const usage = chunk['usage'];
  const choices = chunk['choices'];
  if ((usage !== undefined && usage !== null) || !Array.isArray(choices) || choices.length !== 1) {
    return null;
  }
  const choice = choices[0] as Json;
  if (hasExtraKeys(choice, 'delta')) return null;
  if ((choice['finish_reason'] ?? null) !== null || (choice['logprobs'] ?? null) !== null) {
    return null;
  }
  const delta = choice['delta'];
  if (!isRecord(delta)) return null;
  let keys = 0;
  for (const key in delta) {
    if (key !== 'content') return null;
    keys += 1;
  }
  const content = delta['content'];
  if (keys !== 1 || typeof content !== 'string') return null;
  const token = JSON.stringify(content);
  const at = trimmed.lastIndexOf(token);
  if (at === -1) return null;
  return {
    head: trimmed.slice(0, at),
    tail: trimmed.slice(at + token.length),
    index: (choice['index'] as number | undefined) ?? 0,
    upstreamId: (chunk['id'] as string | null | undefined) ?? null,
    systemFingerprint: (chunk['system_fingerprint'] as string | null | undefined) ?? null,
    serviceTier: (chunk['service_tier'] as string | null | undefined) ?? null,
  };
}

/** `choices[0].delta.content` of a chunk's JSON, when it is a string. */
function contentOf(chunk: Json): string | undefined {
  const choices = chunk['choices'];
  const choice: unknown = Array.isArray(choices) ? choices[0] : undefined;
  const delta = isRecord(choice) ? choice['delta'] : undefined;
  const content = isRecord(delta) ? delta['content'] : undefined;
  return typeof content === 'string' ? content : undefined;
}

/**
 * Whether the content of `chunk` (the JSON of `head`, its content string, `tail`) is where the
 * site says, checked rather than assumed: the text with another string in its place must parse
 * to the same JSON but that content.
 */
function isContentSite(site: ContentTemplate, chunk: Json): boolean {
  const content = contentOf(chunk);
  if (content === undefined) return false;
  const other = content === '' ? '.' : '';
  const probe = parseJson(`${site.head}${JSON.stringify(other)}${site.tail}`);
  if (!isRecord(probe)) return false;
  if (contentOf(probe) !== other) return false;
  (((probe['choices'] as Json[])[0] as Json)['delta'] as Json)['content'] = content;
  return JSON.stringify(probe) === JSON.stringify(chunk);
}

/** The chunk `trimmed` is by `template`, or undefined when it is not head, a string, tail. */
function fromTemplate(
  template: ContentTemplate,
  trimmed: string,
): UpstreamChunk<ChatChunkChoice> | undefined {
  const { head, tail } = template;
  const end = trimmed.length - tail.length;
  // Sliced and compared whole: V8's startsWith walks a long prefix several times slower.
  if (end <= head.length || trimmed.slice(0, head.length) !== head) return undefined;
  if (trimmed.slice(end) !== tail) return undefined;
  // One JSON string (whitespace around it allowed, as around any JSON value), nothing else.
  const content = parseJson(trimmed.slice(head.length, end));
  if (typeof content !== 'string') return undefined;
  return {
    upstreamId: template.upstreamId,
    choices: [
      {
        index: template.index,
        delta: { content },
        finish_reason: null,
        native_finish_reason: null,
        logprobs: null,
      },
    ],
    usage: null,
    systemFingerprint: template.systemFingerprint,
    serviceTier: template.serviceTier,
  };
}

/**
 * Templates tried per stream: one, on its first plain content chunk. An upstream whose chunks all
 * differ (a field that changes every chunk, as OpenAI's `obfuscation`) then costs one probe per
 * stream, no more (bench/stream-relay-ab.ts --obfuscation).
 */
const TEMPLATE_TRIES = 1;

/**
 * A parser for one OpenAI chat stream: {@link parseOpenAIChatStreamEvent}, with the stream's
 * content template (see {@link ContentTemplate}) read first. Same chunks, same errors.
 */
export function createOpenAIChatStreamParser(
  settings: AdapterSettings,
): (data: string) => UpstreamChunk | 'done' | 'skip' {
  let template: ContentTemplate | null = null;
  let tries = 0;
  return (data) => {
    const trimmed = data.trim();
    if (template !== null) {
      const chunk = fromTemplate(template, trimmed);
      if (chunk !== undefined) return chunk;
    }
    if (trimmed === '[DONE]') return 'done';
    if (trimmed === '') return 'skip';
    const json = readChunk(trimmed, settings, CHAT);
    const chunk = toUpstreamChunk(json, CHAT);
    if (tries < TEMPLATE_TRIES && chunk.choices.length === 1) {
      const site = templateSite(trimmed, json);
      if (site !== null) {
        tries += 1;
        if (isContentSite(site, json)) template = site;
      }
    }
    return chunk;
  };
}

/**
 * Parses one event of an OpenAI chat stream: one JSON.parse and a hand-written check of the few
 * fields read (a malformed chunk fails as before: `not a chat completion chunk`, retryable).
 */
export function parseOpenAIChatStreamEvent(
  data: string,
  settings: AdapterSettings,
): UpstreamChunk | 'done' | 'skip' {
  return parseEvent(data, settings, CHAT);
}

/** {@link parseOpenAIChatStreamEvent} for a legacy text-completion stream (`/completions`). */
export function parseOpenAITextStreamEvent(
  data: string,
  settings: AdapterSettings,
): UpstreamChunk<TextCompletionChunkChoice> | 'done' | 'skip' {
  return parseEvent(data, settings, TEXT);
}
