import { GEMINI_REASONING_FORMAT } from './convert-to-gemini-contents.js';
import type { GeminiResponsePart } from './gemini-api-types.js';

/** A tool call in OpenAI's shape, with its position among the message's tool calls. */
export interface GeminiToolCall {
  index: number;
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** A thought signature as an OpenRouter `reasoning_details` entry, tied to its tool call. */
export interface GeminiReasoningDetail {
  type: 'reasoning.encrypted';
  data: string;
  id: string;
  format: typeof GEMINI_REASONING_FORMAT;
  index: number;
}

/** What a run of response parts holds, sorted by kind. */
export interface MappedGeminiParts {
  text: string;
  reasoning: string;
  toolCalls: GeminiToolCall[];
  reasoningDetails: GeminiReasoningDetail[];
}

/** Where in the message a run of parts starts (a stream maps its events one at a time). */
export interface GeminiPartsPosition {
  /** The response id, which makes tool call ids unique across the turns of a conversation. */
  responseId: string | null;
  toolCallCount: number;
  reasoningDetailCount: number;
}

/**
 * The id of a tool call. Gemini gives calls no ids, so one is derived from the response id and
 * the call's position: the same response always yields the same ids, and calls from different
 * turns do not collide (clients key tool results by id across a whole conversation).
 */
export function geminiToolCallId(responseId: string | null, index: number): string {
  return responseId === null || responseId === '' ? `call_${index}` : `call_${responseId}_${index}`;
}

/**
 * Sorts Gemini parts into answer text, thought text (`thought: true`), tool calls (arguments
 * re-serialized as JSON) and the thought signatures of those calls, which Gemini needs back
 * with the calls on the next turn and OpenRouter carries in `reasoning_details`.
 */
export function mapGeminiParts(
  parts: readonly GeminiResponsePart[],
  position: GeminiPartsPosition,
): MappedGeminiParts {
  const mapped: MappedGeminiParts = {
    text: '',
    reasoning: '',
    toolCalls: [],
    reasoningDetails: [],
  };
  for (const part of parts) {
    if (part.functionCall !== null && part.functionCall !== undefined) {
      const index = position.toolCallCount + mapped.toolCalls.length;
      const id = geminiToolCallId(position.responseId, index);
      mapped.toolCalls.push({
        index,
        id,
        type: 'function',
        function: {
          name: part.functionCall.name,
          arguments: JSON.stringify(part.functionCall.args ?? {}),
        },
      });
      if (typeof part.thoughtSignature === 'string' && part.thoughtSignature !== '') {
        mapped.reasoningDetails.push({
          type: 'reasoning.encrypted',
          data: part.thoughtSignature,
          id,
          format: GEMINI_REASONING_FORMAT,
          index: position.reasoningDetailCount + mapped.reasoningDetails.length,
        });
      }
      continue;
    }
    if (typeof part.text !== 'string') continue;
    if (part.thought === true) mapped.reasoning += part.text;
    else mapped.text += part.text;
  }
  return mapped;
}
