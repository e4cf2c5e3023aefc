import type { FINISH_REASONS } from '@tollgate/protocol';

type FinishReason = (typeof FINISH_REASONS)[number];

/** Gemini's documented `FinishReason` values. */
const GEMINI_FINISH_REASONS = [
  'FINISH_REASON_UNSPECIFIED',
  'STOP',
  'MAX_TOKENS',
  'SAFETY',
  'RECITATION',
  'LANGUAGE',
  'OTHER',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'MALFORMED_FUNCTION_CALL',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'IMAGE_RECITATION',
  'IMAGE_OTHER',
  'NO_IMAGE',
  'UNEXPECTED_TOOL_CALL',
  'TOO_MANY_TOOL_CALLS',
  'MISSING_THOUGHT_SIGNATURE',
] as const;

type GeminiFinishReason = (typeof GEMINI_FINISH_REASONS)[number];

/**
 * Gemini's reasons in OpenRouter's set. Policy blocks (safety, recitation, blocklists, personal
 * data) are `content_filter`; a stop Gemini itself calls a failure (a malformed or unexpected
 * tool call, an unsupported language, `OTHER`) is `error`.
 */
const FINISH_REASON_MAP: Record<GeminiFinishReason, FinishReason> = {
  FINISH_REASON_UNSPECIFIED: 'error',
  STOP: 'stop',
  MAX_TOKENS: 'length',
  SAFETY: 'content_filter',
  RECITATION: 'content_filter',
  LANGUAGE: 'error',
  OTHER: 'error',
  BLOCKLIST: 'content_filter',
  PROHIBITED_CONTENT: 'content_filter',
  SPII: 'content_filter',
  MALFORMED_FUNCTION_CALL: 'error',
  IMAGE_SAFETY: 'content_filter',
  IMAGE_PROHIBITED_CONTENT: 'content_filter',
  IMAGE_RECITATION: 'content_filter',
  IMAGE_OTHER: 'error',
  NO_IMAGE: 'error',
  UNEXPECTED_TOOL_CALL: 'error',
  TOO_MANY_TOOL_CALLS: 'error',
  MISSING_THOUGHT_SIGNATURE: 'error',
};

function isKnown(native: string): native is GeminiFinishReason {
  return (GEMINI_FINISH_REASONS as readonly string[]).includes(native);
}

/**
 * Maps a Gemini candidate's finish reason to OpenRouter's. A `STOP` after
 * function calls is `tool_calls`, since Gemini has no reason of its own for it. A value Google
 * adds later passes through unchanged rather than being guessed.
 */
export function mapGeminiFinishReason(
  native: string | null | undefined,
  hasToolCalls: boolean,
): string | null {
  if (native === null || native === undefined || native === '') return null;
  if (!isKnown(native)) return native;
  const mapped = FINISH_REASON_MAP[native];
  return mapped === 'stop' && hasToolCalls ? 'tool_calls' : mapped;
}
