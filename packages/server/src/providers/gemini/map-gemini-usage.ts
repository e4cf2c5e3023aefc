import type { NativeUsage } from '../provider-adapter.js';
import type { GeminiUsageMetadata } from './gemini-api-types.js';

function modalityTokens(
  details: GeminiUsageMetadata['promptTokensDetails'],
  modality: string,
): number {
  let total = 0;
  for (const detail of details ?? []) {
    if (detail.modality === modality) total += detail.tokenCount ?? 0;
  }
  return total;
}

/**
 * Gemini's `usageMetadata` in OpenRouter's conventions. Prompt tokens already include the cached
 * ones; tool-use prompt tokens (results of Google-run tools) are input Google bills, so they count
 * as prompt too. Completion = candidates + thoughts, since OpenRouter's completion includes
 * reasoning. Metadata with no counts at all is no usage: the record falls back to estimates.
 */
export function mapGeminiUsage(usage: GeminiUsageMetadata | null | undefined): NativeUsage | null {
  if (usage === null || usage === undefined) return null;
  const { promptTokenCount, candidatesTokenCount, thoughtsTokenCount } = usage;
  if (promptTokenCount == null && candidatesTokenCount == null && thoughtsTokenCount == null) {
    return null;
  }
  const thoughts = thoughtsTokenCount ?? 0;
  return {
    promptTokens: (promptTokenCount ?? 0) + (usage.toolUsePromptTokenCount ?? 0),
    completionTokens: (candidatesTokenCount ?? 0) + thoughts,
    cachedTokens: usage.cachedContentTokenCount ?? 0,
    cacheWriteTokens: 0,
    reasoningTokens: thoughts,
    completionImageTokens: modalityTokens(usage.candidatesTokensDetails, 'IMAGE'),
    audioPromptTokens: modalityTokens(usage.promptTokensDetails, 'AUDIO'),
    reportedCostUsd: null,
  };
}

/**
 * Folds one stream event's `usageMetadata` into what the stream has reported so far. Counts are
 * cumulative, so the latest value of each field wins; a field an event leaves out keeps its
 * earlier value (later events may report only some counts).
 */
export function mergeGeminiUsage(
  previous: GeminiUsageMetadata | null,
  next: GeminiUsageMetadata | null | undefined,
): GeminiUsageMetadata | null {
  if (next === null || next === undefined) return previous;
  if (previous === null) return next;
  const merged: GeminiUsageMetadata = { ...previous };
  for (const [key, value] of Object.entries(next)) {
    if (value !== null && value !== undefined) merged[key] = value;
  }
  return merged;
}
