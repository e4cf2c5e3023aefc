const NORMALIZED: Record<string, string> = {
  stop: 'stop',
  eos: 'stop',
  end_turn: 'stop',
  stop_sequence: 'stop',
  length: 'length',
  max_tokens: 'length',
  model_length: 'length',
  tool_calls: 'tool_calls',
  function_call: 'tool_calls',
  tool_use: 'tool_calls',
  content_filter: 'content_filter',
  safety: 'content_filter',
  error: 'error',
};

/**
 * Normalizes a native finish reason to OpenRouter's set (stop, length, tool_calls,
 * content_filter, error). An unrecognized one is passed on as it came, never guessed.
 */
export function mapFinishReason(native: string | null | undefined): string | null {
  if (native === null || native === undefined || native === '') return null;
  return NORMALIZED[native.toLowerCase()] ?? native;
}
