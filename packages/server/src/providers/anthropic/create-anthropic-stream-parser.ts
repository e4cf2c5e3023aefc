import type { ChatChunkChoice } from '@tollgate/protocol';
import type { AdapterSettings, UpstreamChunk } from '../provider-adapter.js';
import { invalidUpstreamResponse, parseJson } from '../upstream-response.js';
import {
  ANTHROPIC_STREAM_EVENT_TYPES,
  type AnthropicStreamEvent,
  AnthropicStreamEventSchema,
  AnthropicToolUseBlockSchema,
  type AnthropicUsage,
} from './anthropic-api-types.js';
import { toAnthropicStreamError } from './anthropic-error.js';
import { mapAnthropicFinishReason } from './map-anthropic-finish-reason.js';
import { type AnthropicTokenCounts, mapAnthropicUsage } from './map-anthropic-usage.js';

/** What one stream has told so far. */
interface StreamState {
  upstreamId: string | null;
  serviceTier: string | null;
  counts: AnthropicTokenCounts;
  /** OpenAI tool-call index (0, 1, …) per Anthropic content-block index. */
  toolCallIndexes: Map<number, number>;
}

type ParseResult = UpstreamChunk | 'done' | 'skip';
type Delta = Record<string, unknown>;

/** Takes every count the event carries; `message_delta`'s counts are cumulative, so they win. */
function absorbUsage(state: StreamState, usage: AnthropicUsage | null | undefined): void {
  if (usage === null || usage === undefined) return;
  const { counts } = state;
  counts.inputTokens = usage.input_tokens ?? counts.inputTokens;
  counts.outputTokens = usage.output_tokens ?? counts.outputTokens;
  counts.cacheReadTokens = usage.cache_read_input_tokens ?? counts.cacheReadTokens;
  counts.cacheWriteTokens = usage.cache_creation_input_tokens ?? counts.cacheWriteTokens;
  state.serviceTier = usage.service_tier ?? state.serviceTier;
}

function chunk(state: StreamState, choice: Partial<ChatChunkChoice>, final = false): UpstreamChunk {
  return {
    upstreamId: state.upstreamId,
    choices: [{ index: 0, delta: {}, finish_reason: null, native_finish_reason: null, ...choice }],
    // Usage only once complete: an interrupted stream then falls back to counted estimates
    // instead of billing the prompt with a placeholder output count.
    usage: final ? mapAnthropicUsage(state.counts) : null,
    systemFingerprint: null,
    serviceTier: state.serviceTier,
  };
}

function deltaChunk(state: StreamState, delta: Delta): UpstreamChunk {
  return chunk(state, { delta });
}

type BlockStart = Extract<AnthropicStreamEvent, { type: 'content_block_start' }>;
type BlockDelta = Extract<AnthropicStreamEvent, { type: 'content_block_delta' }>;

function onBlockStart(event: BlockStart, state: StreamState, settings: AdapterSettings) {
  const block = event.content_block;
  if (block.type === 'tool_use') {
    const toolUse = AnthropicToolUseBlockSchema.safeParse(block);
    if (!toolUse.success) throw invalidUpstreamResponse(settings, 'malformed tool_use', block);
    const index = state.toolCallIndexes.size;
    state.toolCallIndexes.set(event.index, index);
    const { id, name } = toolUse.data;
    const call = { index, id, type: 'function', function: { name, arguments: '' } };
    return deltaChunk(state, { tool_calls: [call] });
  }
  // Text and thinking blocks start empty in practice; anything they do carry is passed on.
  const text = block['text'];
  if (block.type === 'text' && typeof text === 'string' && text !== '') {
    return deltaChunk(state, { content: text });
  }
  const thinking = block['thinking'];
  if (block.type === 'thinking' && typeof thinking === 'string' && thinking !== '') {
    return deltaChunk(state, { reasoning: thinking });
  }
  return 'skip';
}

function onBlockDelta(event: BlockDelta, state: StreamState, settings: AdapterSettings) {
  const { delta } = event;
  switch (delta.type) {
    case 'text_delta':
      return delta.text === undefined ? 'skip' : deltaChunk(state, { content: delta.text });
    case 'thinking_delta':
      return delta.thinking === undefined
        ? 'skip'
        : deltaChunk(state, { reasoning: delta.thinking });
    case 'input_json_delta': {
      const index = state.toolCallIndexes.get(event.index);
      if (index === undefined) {
        throw invalidUpstreamResponse(settings, 'input_json_delta outside a tool_use', event);
      }
      if (delta.partial_json === undefined || delta.partial_json === '') return 'skip';
      const call = { index, function: { arguments: delta.partial_json } };
      return deltaChunk(state, { tool_calls: [call] });
    }
    default:
      // signature_delta, citations_delta and future kinds carry nothing OpenRouter's shape has.
      return 'skip';
  }
}

function onEvent(
  event: AnthropicStreamEvent,
  state: StreamState,
  settings: AdapterSettings,
): ParseResult {
  switch (event.type) {
    case 'message_start':
      state.upstreamId = event.message.id ?? null;
      absorbUsage(state, event.message.usage);
      return deltaChunk(state, { role: 'assistant', content: '' });
    case 'content_block_start':
      return onBlockStart(event, state, settings);
    case 'content_block_delta':
      return onBlockDelta(event, state, settings);
    case 'message_delta': {
      absorbUsage(state, event.usage);
      const native = event.delta.stop_reason ?? null;
      const finish = { finish_reason: mapAnthropicFinishReason(native) };
      return chunk(state, { ...finish, native_finish_reason: native }, true);
    }
    case 'message_stop':
      return 'done';
    case 'content_block_stop':
    case 'ping':
      return 'skip';
    case 'error':
      throw toAnthropicStreamError(event.error, settings);
    default: {
      const unknownEvent: never = event;
      throw invalidUpstreamResponse(settings, 'unknown stream event', unknownEvent);
    }
  }
}

function isOptionalString(value: unknown): boolean {
  return value === undefined || typeof value === 'string';
}

/**
 * Whether a `content_block_delta` event has the shape its schema requires: checked by hand, since
 * it is nearly every event of a stream (decision 0029); a failing one goes on to the schema, which
 * reports it as before.
 */
function isBlockDelta(json: object): json is BlockDelta {
  const { index, delta } = json as { index?: unknown; delta?: unknown };
  if (!Number.isSafeInteger(index) || (index as number) < 0) return false;
  if (typeof delta !== 'object' || delta === null || Array.isArray(delta)) return false;
  const fields = delta as Record<string, unknown>;
  return (
    typeof fields['type'] === 'string' &&
    isOptionalString(fields['text']) &&
    isOptionalString(fields['thinking']) &&
    isOptionalString(fields['partial_json'])
  );
}

function eventType(json: unknown): string | undefined {
  if (typeof json !== 'object' || json === null || !('type' in json)) return undefined;
  return typeof json.type === 'string' ? json.type : undefined;
}

/**
 * Creates the parser of one Anthropic stream. It remembers the message id, the token counts of
 * `message_start` (input and cache) and `message_delta` (output), and which content blocks are
 * tool calls, and emits the complete usage on the chunk that carries the finish reason.
 */
export function createAnthropicStreamParser(
  settings: AdapterSettings,
): (data: string) => ParseResult {
  const state: StreamState = {
    upstreamId: null,
    serviceTier: null,
    counts: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 },
    toolCallIndexes: new Map(),
  };
  return (data) => {
    const trimmed = data.trim();
    if (trimmed === '') return 'skip';
    const json = parseJson(trimmed);
    if (json === undefined) throw invalidUpstreamResponse(settings, 'malformed stream event', data);
    const type = eventType(json);
    // Anthropic may add event types; its versioning policy asks clients to ignore unknown ones.
    if (type === undefined || !ANTHROPIC_STREAM_EVENT_TYPES.has(type)) return 'skip';
    // The frequent events skip zod: a delta checked by hand; the rest need only their type.
    if (type === 'content_block_delta' && isBlockDelta(json as object)) {
      return onBlockDelta(json as BlockDelta, state, settings);
    }
    if (type === 'ping' || type === 'content_block_stop') return 'skip';
    if (type === 'message_stop') return 'done';
    const parsed = AnthropicStreamEventSchema.safeParse(json);
    if (!parsed.success) throw invalidUpstreamResponse(settings, `malformed ${type} event`, json);
    return onEvent(parsed.data, state, settings);
  };
}
