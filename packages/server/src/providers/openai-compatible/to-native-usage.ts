import type { NativeUsage } from '../provider-adapter.js';

/** OpenAI's `usage` object: the fields Tollgate reads (extra keys ignored). */
export interface OpenAIUsage {
  prompt_tokens?: number | undefined;
  completion_tokens?: number | undefined;
  prompt_tokens_details?:
    | {
        cached_tokens?: number | null | undefined;
        cache_write_tokens?: number | null | undefined;
        audio_tokens?: number | null | undefined;
      }
    | null
    | undefined;
  completion_tokens_details?:
    | {
        reasoning_tokens?: number | null | undefined;
        image_tokens?: number | null | undefined;
      }
    | null
    | undefined;
  cost?: number | null | undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): boolean {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function isNullishCount(value: unknown): boolean {
  return value === undefined || value === null || isCount(value);
}

/**
 * Whether `usage` is absent or an {@link OpenAIUsage}: the hand-written twin of
 * `OpenAIUsageSchema.nullish()` (openai-api-types.ts) for stream events, which are too many for zod.
 */
export function isOpenAIUsage(usage: unknown): usage is OpenAIUsage | null | undefined {
  if (usage === undefined || usage === null) return true;
  if (!isRecord(usage)) return false;
  const prompt = usage['prompt_tokens'];
  const completion = usage['completion_tokens'];
  if (prompt !== undefined && !isCount(prompt)) return false;
  if (completion !== undefined && !isCount(completion)) return false;
  const promptDetails = usage['prompt_tokens_details'];
  if (promptDetails !== undefined && promptDetails !== null) {
    if (!isRecord(promptDetails)) return false;
    if (
      !isNullishCount(promptDetails['cached_tokens']) ||
      !isNullishCount(promptDetails['cache_write_tokens']) ||
      !isNullishCount(promptDetails['audio_tokens'])
    ) {
      return false;
    }
  }
  const completionDetails = usage['completion_tokens_details'];
  if (completionDetails !== undefined && completionDetails !== null) {
    if (!isRecord(completionDetails)) return false;
    if (
      !isNullishCount(completionDetails['reasoning_tokens']) ||
      !isNullishCount(completionDetails['image_tokens'])
    ) {
      return false;
    }
  }
  const cost = usage['cost'];
  return cost === undefined || cost === null || (typeof cost === 'number' && Number.isFinite(cost));
}

/** OpenAI usage in Tollgate's terms; a usage object without counts is no usage at all. */
export function toNativeUsage(usage: OpenAIUsage | null | undefined): NativeUsage | null {
  // Without counts the record falls back to estimates.
  if (usage === null || usage === undefined) return null;
  if (usage.prompt_tokens === undefined && usage.completion_tokens === undefined) return null;
  return {
    promptTokens: usage.prompt_tokens ?? 0,
    completionTokens: usage.completion_tokens ?? 0,
    cachedTokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
    cacheWriteTokens: usage.prompt_tokens_details?.cache_write_tokens ?? 0,
    reasoningTokens: usage.completion_tokens_details?.reasoning_tokens ?? 0,
    completionImageTokens: usage.completion_tokens_details?.image_tokens ?? 0,
    audioPromptTokens: usage.prompt_tokens_details?.audio_tokens ?? 0,
    reportedCostUsd: usage.cost ?? null,
  };
}
