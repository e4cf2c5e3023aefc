import {
  type ChatChoice,
  type ChatChunkChoice,
  type ChatCompletionRequest,
  GATEWAY_ONLY_REQUEST_FIELDS,
  type TextCompletionChoice,
  type TextCompletionChunkChoice,
} from '@tollgate/protocol';
import type { z } from 'zod';
import { UpstreamError } from '../../errors/gateway-error.js';
import { mapFinishReason } from '../map-finish-reason.js';
import { mapUpstreamStatus } from '../map-upstream-status.js';
import type {
  AdapterSettings,
  EmbeddingsSupport,
  NativeUsage,
  ProviderAdapter,
  TextCompletionSupport,
  UpstreamCall,
  UpstreamChunk,
  UpstreamCompletion,
} from '../provider-adapter.js';
import { invalidUpstreamResponse, parseJson } from '../upstream-response.js';
import {
  OpenAIChatChunkSchema,
  OpenAIChatCompletionSchema,
  OpenAIEmbeddingsSchema,
  OpenAIErrorSchema,
  OpenAITextCompletionChunkSchema,
  OpenAITextCompletionSchema,
  type OpenAIUsageSchema,
} from './openai-api-types.js';

const DROPPED = new Set<string>(GATEWAY_ONLY_REQUEST_FIELDS);

function toNativeUsage(usage: z.infer<typeof OpenAIUsageSchema> | null | undefined) {
  // A usage object without counts is no usage at all: the record falls back to estimates.
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
  } satisfies NativeUsage;
}

/** The fields of an OpenAI stream chunk Tollgate reads, whatever its choices look like. */
interface OpenAIStreamChunk<RawChoice> {
  id?: string | null | undefined;
  choices?: RawChoice[] | null | undefined;
  usage?: z.infer<typeof OpenAIUsageSchema> | null | undefined;
  system_fingerprint?: string | null | undefined;
  service_tier?: string | null | undefined;
  error?: unknown;
}

/** Parses one OpenAI stream event (stateless: every chunk is complete in itself). */
function parseStreamEvent<RawChoice, Choice>(
  data: string,
  settings: AdapterSettings,
  schema: z.ZodType<OpenAIStreamChunk<RawChoice>>,
  mapChoice: (choice: RawChoice, position: number) => Choice,
  what: string,
): UpstreamChunk<Choice> | 'done' | 'skip' {
  const trimmed = data.trim();
  if (trimmed === '[DONE]') return 'done';
  if (trimmed === '') return 'skip';
  const json = parseJson(trimmed);
  if (json === undefined)
    throw invalidUpstreamResponse(settings, 'malformed stream event', trimmed);
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw invalidUpstreamResponse(settings, `not a ${what} chunk`, json);
  const chunk = parsed.data;
  if (chunk.error !== undefined && chunk.error !== null) {
    const message =
      typeof chunk.error === 'object' && 'message' in chunk.error
        ? String(chunk.error.message)
        : 'Provider returned an error mid-stream';
    throw new UpstreamError(
      'upstream_error',
      message,
      { provider_name: settings.providerName, raw: chunk.error },
      { retryable: false },
    );
  }
  return {
    upstreamId: chunk.id ?? null,
    choices: (chunk.choices ?? []).map(mapChoice),
    usage: toNativeUsage(chunk.usage),
    systemFingerprint: chunk.system_fingerprint ?? null,
    serviceTier: chunk.service_tier ?? null,
  };
}

function toChatChunkChoice(
  choice: NonNullable<z.infer<typeof OpenAIChatChunkSchema>['choices']>[number],
  position: number,
): ChatChunkChoice {
  const { finish_reason: nativeFinish, delta, logprobs, index, ...rest } = choice;
  return {
    ...rest,
    index: index ?? position,
    delta: delta ?? {},
    finish_reason: mapFinishReason(nativeFinish),
    native_finish_reason: nativeFinish ?? null,
    logprobs: logprobs ?? null,
  };
}

/** A legacy text choice in OpenRouter's shape (non-stream and stream choices alike). */
function toTextChoice(
  choice: z.infer<typeof OpenAITextCompletionSchema>['choices'][number],
  position: number,
): TextCompletionChoice & TextCompletionChunkChoice {
  const { finish_reason: nativeFinish, text, logprobs, index, ...rest } = choice;
  return {
    ...rest,
    index: index ?? position,
    text: text ?? '',
    finish_reason: mapFinishReason(nativeFinish),
    native_finish_reason: nativeFinish ?? null,
    logprobs: logprobs ?? null,
  };
}

/**
 * An OpenAI-protocol call: the request minus gateway-only fields, with the upstream's model name;
 * a stream always asks for usage, since usage is always metered, whatever the client asked.
 */
function buildOpenAICall(
  path: string,
  request: Record<string, unknown> & { stream?: boolean | undefined },
  upstreamModel: string,
  settings: AdapterSettings,
): UpstreamCall {
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(request)) {
    if (!DROPPED.has(key)) body[key] = value;
  }
  body['model'] = upstreamModel;
  if (request.stream === true) {
    const asked = request['stream_options'];
    body['stream_options'] = { ...(typeof asked === 'object' ? asked : {}), include_usage: true };
  }
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: request.stream === true ? 'text/event-stream' : 'application/json',
    ...settings.headers,
  };
  if (settings.apiKey !== undefined && settings.apiKey !== '') {
    headers['authorization'] = `Bearer ${settings.apiKey}`;
  }
  return { path, headers, body: JSON.stringify(body) };
}

/** Embeddings over `POST /embeddings`; `encoding_format` goes upstream as the client asked. */
const openAIEmbeddings: EmbeddingsSupport = {
  buildRequest(request, upstreamModel, settings) {
    // Embeddings never stream (OpenRouter ignores `stream` here): never ask the upstream to.
    const { stream: _stream, stream_options: _streamOptions, ...rest } = request;
    return buildOpenAICall('/embeddings', rest, upstreamModel, settings);
  },

  parseResponse(body, settings) {
    const parsed = OpenAIEmbeddingsSchema.safeParse(body);
    if (!parsed.success) throw invalidUpstreamResponse(settings, 'not an embeddings list', body);
    const items = parsed.data.data.map((item, position) => ({
      ...item,
      at: item.index ?? position,
    }));
    items.sort((left, right) => left.at - right.at);
    return {
      upstreamId: parsed.data.id ?? null,
      embeddings: items.map((item) => item.embedding),
      usage: toNativeUsage(parsed.data.usage),
    };
  },
};

/** Legacy text completions over `POST /completions`, non-stream and stream. */
const openAITextCompletions: TextCompletionSupport = {
  buildRequest(request, upstreamModel, settings) {
    return buildOpenAICall('/completions', request, upstreamModel, settings);
  },

  parseResponse(body, settings): UpstreamCompletion<TextCompletionChoice> {
    const parsed = OpenAITextCompletionSchema.safeParse(body);
    if (!parsed.success) throw invalidUpstreamResponse(settings, 'not a text completion', body);
    const completion = parsed.data;
    return {
      upstreamId: completion.id ?? null,
      choices: completion.choices.map(toTextChoice),
      usage: toNativeUsage(completion.usage),
      systemFingerprint: completion.system_fingerprint ?? null,
      serviceTier: completion.service_tier ?? null,
    };
  },

  createStreamParser(settings) {
    return (data) =>
      parseStreamEvent(
        data,
        settings,
        OpenAITextCompletionChunkSchema,
        toTextChoice,
        'text completion',
      );
  },
};

/** The adapter for OpenAI's Chat Completions protocol (OpenAI, vLLM, Ollama, Together, Groq…). */
export const openAICompatibleAdapter: ProviderAdapter = {
  kind: 'openai',

  buildChatRequest(
    request: ChatCompletionRequest,
    upstreamModel: string,
    settings: AdapterSettings,
  ): UpstreamCall {
    return buildOpenAICall('/chat/completions', request, upstreamModel, settings);
  },

  parseChatResponse(body: unknown, settings: AdapterSettings): UpstreamCompletion {
    const parsed = OpenAIChatCompletionSchema.safeParse(body);
    if (!parsed.success) throw invalidUpstreamResponse(settings, 'not a chat completion', body);
    const completion = parsed.data;
    const choices = completion.choices.map((choice, position): ChatChoice => {
      const { finish_reason: nativeFinish, message, logprobs, index, ...rest } = choice;
      return {
        ...rest,
        index: index ?? position,
        // Same keys whatever the upstream kind: refusal and reasoning are null when absent.
        message: {
          ...message,
          role: 'assistant',
          content: message?.content ?? null,
          refusal: typeof message?.['refusal'] === 'string' ? message['refusal'] : null,
          reasoning: typeof message?.['reasoning'] === 'string' ? message['reasoning'] : null,
        },
        finish_reason: mapFinishReason(nativeFinish),
        native_finish_reason: nativeFinish ?? null,
        logprobs: logprobs ?? null,
      };
    });
    return {
      upstreamId: completion.id ?? null,
      choices,
      usage: toNativeUsage(completion.usage),
      systemFingerprint: completion.system_fingerprint ?? null,
      serviceTier: completion.service_tier ?? null,
    };
  },

  createStreamParser(settings: AdapterSettings) {
    return (data: string) =>
      parseStreamEvent(data, settings, OpenAIChatChunkSchema, toChatChunkChoice, 'chat completion');
  },

  embeddings: openAIEmbeddings,
  textCompletions: openAITextCompletions,

  toUpstreamError(status, bodyText, headers, settings): UpstreamError {
    const json = parseJson(bodyText);
    const parsed = OpenAIErrorSchema.safeParse(json);
    const message = parsed.success ? parsed.data.error.message : 'Provider returned error';
    return mapUpstreamStatus(status, message, settings.providerName, bodyText, headers);
  },
};
