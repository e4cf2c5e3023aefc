import type { ChatChoice, ChatCompletionRequest } from '@tollgate/protocol';
import type {
  AdapterSettings,
  ProviderAdapter,
  UpstreamCall,
  UpstreamCompletion,
} from '../provider-adapter.js';
import { invalidUpstreamResponse } from '../upstream-response.js';
import {
  convertToGeminiContents,
  requiresThoughtSignatures,
} from './convert-to-gemini-contents.js';
import { convertToGeminiGenerationConfig } from './convert-to-gemini-generation-config.js';
import { convertToGeminiTools } from './convert-to-gemini-tools.js';
import { createGeminiStreamParser } from './create-gemini-stream-parser.js';
import {
  type GeminiCandidate,
  type GeminiRequest,
  GeminiResponseSchema,
} from './gemini-api-types.js';
import { toGeminiUpstreamError } from './gemini-error.js';
import { mapGeminiFinishReason } from './map-gemini-finish-reason.js';
import { mapGeminiParts } from './map-gemini-parts.js';
import { mapGeminiUsage } from './map-gemini-usage.js';

/**
 * The resource path of a model: a bare name is under `models/`; a full resource name
 * (`models/…`, `tunedModels/…`) is used as it is.
 */
function modelPath(upstreamModel: string): string {
  const name = upstreamModel.includes('/') ? upstreamModel : `models/${upstreamModel}`;
  return name.split('/').map(encodeURIComponent).join('/');
}

/** The `GenerateContentRequest` body for a chat request. */
export function convertToGeminiRequest(
  request: ChatCompletionRequest,
  upstreamModel: string,
): GeminiRequest {
  const prompt = convertToGeminiContents(request.messages, {
    requireThoughtSignatures: requiresThoughtSignatures(upstreamModel),
  });
  const body: GeminiRequest = { contents: prompt.contents };
  if (prompt.systemInstruction !== undefined) body.systemInstruction = prompt.systemInstruction;
  const generationConfig = convertToGeminiGenerationConfig(request);
  if (generationConfig !== undefined) body.generationConfig = generationConfig;
  return { ...body, ...convertToGeminiTools(request) };
}

function toChoice(
  candidate: GeminiCandidate,
  position: number,
  responseId: string | null,
): ChatChoice {
  const start = { responseId, toolCallCount: 0, reasoningDetailCount: 0 };
  const mapped = mapGeminiParts(candidate.content?.parts ?? [], start);
  const hasToolCalls = mapped.toolCalls.length > 0;
  const message: ChatChoice['message'] = {
    role: 'assistant',
    // Like OpenAI: a turn of tool calls alone has null content.
    content: mapped.text === '' && hasToolCalls ? null : mapped.text,
    refusal: null,
    reasoning: mapped.reasoning === '' ? null : mapped.reasoning,
  };
  if (hasToolCalls) message.tool_calls = mapped.toolCalls.map(({ index: _, ...call }) => call);
  if (mapped.reasoningDetails.length > 0) message['reasoning_details'] = mapped.reasoningDetails;
  const native = candidate.finishReason ?? null;
  return {
    index: candidate.index ?? position,
    message,
    finish_reason: mapGeminiFinishReason(native, hasToolCalls),
    native_finish_reason: native,
    logprobs: null,
  };
}

/** A prompt Gemini refused to answer at all: no candidates, only `promptFeedback.blockReason`. */
function blockedChoice(blockReason: string): ChatChoice {
  return {
    index: 0,
    message: { role: 'assistant', content: '', refusal: null, reasoning: null },
    finish_reason: 'content_filter',
    native_finish_reason: blockReason,
    logprobs: null,
  };
}

/** The adapter for Google's Gemini API (`generativelanguage.googleapis.com/v1beta`). */
export const geminiAdapter: ProviderAdapter = {
  kind: 'gemini',

  buildChatRequest(
    request: ChatCompletionRequest,
    upstreamModel: string,
    settings: AdapterSettings,
  ): UpstreamCall {
    const body = convertToGeminiRequest(request, upstreamModel);
    const stream = request.stream === true;
    const method = stream ? 'streamGenerateContent?alt=sse' : 'generateContent';
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: stream ? 'text/event-stream' : 'application/json',
      ...settings.headers,
    };
    if (settings.apiKey !== undefined && settings.apiKey !== '') {
      headers['x-goog-api-key'] = settings.apiKey;
    }
    return { path: `/${modelPath(upstreamModel)}:${method}`, headers, body: JSON.stringify(body) };
  },

  parseChatResponse(body: unknown, settings: AdapterSettings): UpstreamCompletion {
    const parsed = GeminiResponseSchema.safeParse(body);
    if (!parsed.success)
      throw invalidUpstreamResponse(settings, 'not a GenerateContentResponse', body);
    const response = parsed.data;
    const responseId = response.responseId ?? null;
    const candidates = response.candidates ?? [];
    const blockReason = response.promptFeedback?.blockReason;
    let choices: ChatChoice[];
    if (candidates.length > 0) {
      choices = candidates.map((candidate, position) => toChoice(candidate, position, responseId));
    } else if (typeof blockReason === 'string' && blockReason !== '') {
      choices = [blockedChoice(blockReason)];
    } else {
      throw invalidUpstreamResponse(settings, 'no candidates and no block reason', body);
    }
    return {
      upstreamId: responseId,
      choices,
      usage: mapGeminiUsage(response.usageMetadata),
      systemFingerprint: null,
      serviceTier: null,
    };
  },

  createStreamParser: createGeminiStreamParser,

  toUpstreamError: toGeminiUpstreamError,
};
