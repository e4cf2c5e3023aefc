import type { ChatChoice, ChatCompletionRequest } from '@tollgate/protocol';
import { z } from 'zod';
import { parseRequestField } from '../parse-request-field.js';
import type {
  AdapterSettings,
  ProviderAdapter,
  UpstreamCall,
  UpstreamCompletion,
} from '../provider-adapter.js';
import { invalidUpstreamResponse } from '../upstream-response.js';
import {
  AnthropicMessageSchema,
  type AnthropicMessagesRequest,
  AnthropicTextBlockSchema,
  AnthropicThinkingBlockSchema,
  AnthropicToolUseBlockSchema,
  type AnthropicUsage,
} from './anthropic-api-types.js';
import { toAnthropicUpstreamError } from './anthropic-error.js';
import { convertToAnthropicMessages } from './convert-to-anthropic-messages.js';
import { convertToAnthropicTools } from './convert-to-anthropic-tools.js';
import { createAnthropicStreamParser } from './create-anthropic-stream-parser.js';
import { mapAnthropicFinishReason } from './map-anthropic-finish-reason.js';
import { mapAnthropicUsage } from './map-anthropic-usage.js';

/** The Messages API version Tollgate speaks (a provider's `headers` may override it). */
export const ANTHROPIC_VERSION = '2023-06-01';

/**
 * Output limit sent when the client sets none. Anthropic requires `max_tokens` while OpenAI treats
 * it as optional; 4096 is what every current Claude model accepts, so a request without a limit
 * works everywhere. Clients wanting longer answers set `max_tokens` or `max_completion_tokens`.
 */
export const DEFAULT_ANTHROPIC_MAX_TOKENS = 4096;

const TopKSchema = z.int().nonnegative().nullish();

type SamplingFields = Pick<
  AnthropicMessagesRequest,
  'temperature' | 'top_p' | 'top_k' | 'stop_sequences' | 'metadata'
>;

/** temperature, top_p, top_k, stop → stop_sequences, user → metadata.user_id (others dropped). */
function toSamplingFields(request: ChatCompletionRequest): SamplingFields {
  const fields: SamplingFields = {};
  if (request.temperature !== null && request.temperature !== undefined) {
    fields.temperature = request.temperature;
  }
  if (request.top_p !== null && request.top_p !== undefined) fields.top_p = request.top_p;
  const topK = parseRequestField(TopKSchema, request['top_k'], 'top_k');
  if (topK !== null && topK !== undefined) fields.top_k = topK;
  const stop = typeof request.stop === 'string' ? [request.stop] : (request.stop ?? []);
  if (stop.length > 0) fields.stop_sequences = stop;
  if (request.user !== undefined && request.user !== '') {
    fields.metadata = { user_id: request.user };
  }
  return fields;
}

function toAnthropicRequest(
  request: ChatCompletionRequest,
  upstreamModel: string,
): AnthropicMessagesRequest {
  const { system, messages } = convertToAnthropicMessages(request.messages);
  return {
    model: upstreamModel,
    max_tokens: request.max_completion_tokens ?? request.max_tokens ?? DEFAULT_ANTHROPIC_MAX_TOKENS,
    ...(system === undefined ? {} : { system }),
    messages,
    ...toSamplingFields(request),
    ...convertToAnthropicTools(request),
    ...(request.stream === true ? { stream: true } : {}),
  };
}

function readUsage(usage: AnthropicUsage | null | undefined) {
  if (usage === null || usage === undefined) return null;
  return mapAnthropicUsage({
    inputTokens: usage.input_tokens ?? 0,
    outputTokens: usage.output_tokens ?? 0,
    cacheReadTokens: usage.cache_read_input_tokens ?? 0,
    cacheWriteTokens: usage.cache_creation_input_tokens ?? 0,
  });
}

/** Joins text blocks into `content`, thinking into `reasoning`, tool_use into `tool_calls`. */
function toAssistantMessage(
  blocks: ReadonlyArray<{ type: string }>,
  settings: AdapterSettings,
): ChatChoice['message'] {
  const texts: string[] = [];
  const thoughts: string[] = [];
  const toolCalls: Array<Record<string, unknown>> = [];
  for (const block of blocks) {
    const parse = <T>(schema: z.ZodType<T>): T => {
      const parsed = schema.safeParse(block);
      if (parsed.success) return parsed.data;
      throw invalidUpstreamResponse(settings, `malformed ${block.type} block`, block);
    };
    if (block.type === 'text') texts.push(parse(AnthropicTextBlockSchema).text);
    else if (block.type === 'thinking') thoughts.push(parse(AnthropicThinkingBlockSchema).thinking);
    else if (block.type === 'tool_use') {
      const { id, name, input } = parse(AnthropicToolUseBlockSchema);
      const args = JSON.stringify(input ?? {});
      toolCalls.push({ id, type: 'function', function: { name, arguments: args } });
    }
    // Other blocks (redacted_thinking, server tool use and results) have no OpenRouter field.
  }
  return {
    role: 'assistant',
    content: texts.length === 0 && toolCalls.length > 0 ? null : texts.join(''),
    refusal: null,
    reasoning: thoughts.length === 0 ? null : thoughts.join(''),
    ...(toolCalls.length === 0 ? {} : { tool_calls: toolCalls }),
  };
}

/** The adapter for Anthropic's Messages API (`POST /v1/messages`). */
export const anthropicAdapter: ProviderAdapter = {
  kind: 'anthropic',

  buildChatRequest(request, upstreamModel, settings): UpstreamCall {
    const body = toAnthropicRequest(request, upstreamModel);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: request.stream === true ? 'text/event-stream' : 'application/json',
      'anthropic-version': ANTHROPIC_VERSION,
      ...settings.headers,
    };
    if (settings.apiKey !== undefined && settings.apiKey !== '') {
      headers['x-api-key'] = settings.apiKey;
    }
    return { path: '/messages', headers, body: JSON.stringify(body) };
  },

  parseChatResponse(body, settings): UpstreamCompletion {
    const parsed = AnthropicMessageSchema.safeParse(body);
    if (!parsed.success) throw invalidUpstreamResponse(settings, 'not a message', body);
    const message = parsed.data;
    const native = message.stop_reason ?? null;
    return {
      upstreamId: message.id ?? null,
      choices: [
        {
          index: 0,
          message: toAssistantMessage(message.content, settings),
          finish_reason: mapAnthropicFinishReason(native),
          native_finish_reason: native,
          logprobs: null,
        },
      ],
      usage: readUsage(message.usage),
      systemFingerprint: null,
      serviceTier: message.usage?.service_tier ?? null,
    };
  },

  createStreamParser: createAnthropicStreamParser,

  toUpstreamError: toAnthropicUpstreamError,
};
