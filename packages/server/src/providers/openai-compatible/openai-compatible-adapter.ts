import {
  type ChatChoice,
  type ChatCompletionRequest,
  GATEWAY_ONLY_REQUEST_FIELDS,
  type TextCompletionChoice,
} from '@tollgate/protocol';
import type { z } from 'zod';
import type { UpstreamError } from '../../errors/gateway-error.js';
import { mapFinishReason } from '../map-finish-reason.js';
import { mapUpstreamStatus } from '../map-upstream-status.js';
import type {
  AdapterSettings,
  EmbeddingsSupport,
  ProviderAdapter,
  TextCompletionSupport,
  UpstreamCall,
  UpstreamCompletion,
} from '../provider-adapter.js';
import { invalidUpstreamResponse, parseJson } from '../upstream-response.js';
import {
  OpenAIChatCompletionSchema,
  OpenAIEmbeddingsSchema,
  OpenAIErrorSchema,
  OpenAITextCompletionSchema,
} from './openai-api-types.js';
import {
  createOpenAIChatStreamParser,
  parseOpenAITextStreamEvent,
} from './parse-openai-stream-event.js';
import { toNativeUsage } from './to-native-usage.js';

const DROPPED = new Set<string>(GATEWAY_ONLY_REQUEST_FIELDS);

/** A legacy text choice in OpenRouter's shape (non-stream; stream events: parse-openai-stream-event.ts). */
function toTextChoice(
  choice: z.infer<typeof OpenAITextCompletionSchema>['choices'][number],
  position: number,
): TextCompletionChoice {
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
  for (const key of Object.keys(request)) {
    if (!DROPPED.has(key)) body[key] = request[key];
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
    return (data) => parseOpenAITextStreamEvent(data, settings);
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
    return createOpenAIChatStreamParser(settings);
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
