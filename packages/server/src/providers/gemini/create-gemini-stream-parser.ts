import type { ChatChunkChoice } from '@tollgate/protocol';
import type { AdapterSettings, UpstreamChunk } from '../provider-adapter.js';
import { invalidUpstreamResponse, parseJson } from '../upstream-response.js';
import {
  type GeminiCandidate,
  type GeminiResponse,
  GeminiResponseSchema,
  type GeminiUsageMetadata,
} from './gemini-api-types.js';
import { parseGeminiError, toGeminiStreamError } from './gemini-error.js';
import { mapGeminiFinishReason } from './map-gemini-finish-reason.js';
import { mapGeminiParts } from './map-gemini-parts.js';
import { mapGeminiUsage, mergeGeminiUsage } from './map-gemini-usage.js';

/** What one stream has produced so far. */
interface GeminiStreamState {
  roleSent: boolean;
  responseId: string | null;
  toolCallCount: number;
  reasoningDetailCount: number;
  usage: GeminiUsageMetadata | null;
}

function toChunkChoice(
  candidate: GeminiCandidate,
  position: number,
  state: GeminiStreamState,
): ChatChunkChoice | null {
  const mapped = mapGeminiParts(candidate.content?.parts ?? [], state);
  state.toolCallCount += mapped.toolCalls.length;
  state.reasoningDetailCount += mapped.reasoningDetails.length;
  const delta: Record<string, unknown> = {};
  if (!state.roleSent) {
    // The first chunk carries the role, as OpenAI's do, even when it has no text yet.
    delta['role'] = 'assistant';
    delta['content'] = mapped.text;
    state.roleSent = true;
  } else if (mapped.text !== '') {
    delta['content'] = mapped.text;
  }
  if (mapped.reasoning !== '') delta['reasoning'] = mapped.reasoning;
  if (mapped.toolCalls.length > 0) delta['tool_calls'] = mapped.toolCalls;
  if (mapped.reasoningDetails.length > 0) delta['reasoning_details'] = mapped.reasoningDetails;
  const native = candidate.finishReason ?? null;
  if (Object.keys(delta).length === 0 && native === null) return null;
  return {
    index: candidate.index ?? position,
    delta,
    finish_reason: mapGeminiFinishReason(native, state.toolCallCount > 0),
    native_finish_reason: native,
    logprobs: null,
  };
}

function toChunkChoices(event: GeminiResponse, state: GeminiStreamState): ChatChunkChoice[] {
  const candidates = event.candidates ?? [];
  const blockReason = event.promptFeedback?.blockReason;
  if (candidates.length === 0 && typeof blockReason === 'string' && blockReason !== '') {
    // The prompt itself was blocked: no candidate will come, only the reason.
    const delta = state.roleSent ? {} : { role: 'assistant', content: '' };
    state.roleSent = true;
    return [
      {
        index: 0,
        delta,
        finish_reason: 'content_filter',
        native_finish_reason: blockReason,
        logprobs: null,
      },
    ];
  }
  const choices: ChatChunkChoice[] = [];
  candidates.forEach((candidate, position) => {
    const choice = toChunkChoice(candidate, position, state);
    if (choice !== null) choices.push(choice);
  });
  return choices;
}

/**
 * A parser for one `streamGenerateContent?alt=sse` stream. Each event is a whole
 * `GenerateContentResponse` holding only the new parts; the first chunk carries the role; tool
 * calls arrive whole. `usageMetadata` is cumulative and folded across events, so every chunk
 * carries the complete usage so far and the last one the final counts. Gemini sends no end
 * marker: the stream just ends.
 */
export function createGeminiStreamParser(
  settings: AdapterSettings,
): (data: string) => UpstreamChunk | 'done' | 'skip' {
  const state: GeminiStreamState = {
    roleSent: false,
    responseId: null,
    toolCallCount: 0,
    reasoningDetailCount: 0,
    usage: null,
  };
  return (data) => {
    const trimmed = data.trim();
    if (trimmed === '') return 'skip';
    if (trimmed === '[DONE]') return 'done';
    const json = parseJson(trimmed);
    if (json === undefined)
      throw invalidUpstreamResponse(settings, 'malformed stream event', trimmed);
    const error = parseGeminiError(json);
    if (error !== undefined) throw toGeminiStreamError(error, settings);
    const parsed = GeminiResponseSchema.safeParse(json);
    if (!parsed.success) throw invalidUpstreamResponse(settings, 'not a stream event', json);
    const event = parsed.data;
    state.responseId ??= event.responseId ?? null;
    state.usage = mergeGeminiUsage(state.usage, event.usageMetadata);
    return {
      upstreamId: state.responseId,
      choices: toChunkChoices(event, state),
      usage: mapGeminiUsage(state.usage),
      systemFingerprint: null,
      serviceTier: null,
    };
  };
}
