import type { NativeUsage } from '../provider-adapter.js';

/** Anthropic's token counts, already read from `usage` (absent fields as 0). */
export interface AnthropicTokenCounts {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

/**
 * Converts Anthropic's counts to OpenRouter's conventions. Anthropic's `input_tokens` excludes
 * cache reads and cache writes, while OpenRouter's `prompt_tokens` includes both, so the prompt is
 * their sum. Anthropic bills thinking as output and does not report it apart: reasoning is 0.
 */
export function mapAnthropicUsage(counts: AnthropicTokenCounts): NativeUsage {
  return {
    promptTokens: counts.inputTokens + counts.cacheReadTokens + counts.cacheWriteTokens,
    completionTokens: counts.outputTokens,
    cachedTokens: counts.cacheReadTokens,
    cacheWriteTokens: counts.cacheWriteTokens,
    reasoningTokens: 0,
    completionImageTokens: 0,
    audioPromptTokens: 0,
    reportedCostUsd: null,
  };
}
