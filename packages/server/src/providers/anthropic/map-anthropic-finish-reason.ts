import type { FINISH_REASONS } from '@tollgate/protocol';
import { mapFinishReason } from '../map-finish-reason.js';

/** The `stop_reason`s Anthropic documents for the Messages API. */
export const ANTHROPIC_STOP_REASONS = [
  'end_turn',
  'stop_sequence',
  'max_tokens',
  'tool_use',
  'pause_turn',
  'refusal',
  'model_context_window_exceeded',
] as const;

/** A documented Anthropic stop reason. */
export type AnthropicStopReason = (typeof ANTHROPIC_STOP_REASONS)[number];

/**
 * OpenRouter's finish reason per Anthropic stop reason. `pause_turn` (a server-tool turn paused to
 * be continued by sending the response back) ends this response normally, so it is `stop`; the
 * native reason keeps the distinction for clients that look.
 */
const FINISH_REASON: Record<AnthropicStopReason, (typeof FINISH_REASONS)[number]> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  pause_turn: 'stop',
  refusal: 'content_filter',
};

function isAnthropicStopReason(value: string): value is AnthropicStopReason {
  return (ANTHROPIC_STOP_REASONS as readonly string[]).includes(value);
}

/**
 * Normalizes an Anthropic `stop_reason` to OpenRouter's set; a reason Anthropic adds later goes
 * through the generic table and is otherwise passed on as it came.
 */
export function mapAnthropicFinishReason(native: string | null | undefined): string | null {
  if (native === null || native === undefined || native === '') return null;
  return isAnthropicStopReason(native) ? FINISH_REASON[native] : mapFinishReason(native);
}
