import type {
  ChatChoice,
  ChatChunkChoice,
  ChatCompletion,
  ChatCompletionRequest,
} from '@tollgate/protocol';
import type { CostShape } from '../../accounts/max-cost.js';
import type { CatalogModel } from '../../routing/model-catalog.js';
import type { GenerationApi } from '../generation-api.js';
import type { StreamCodec } from '../stream-relay.js';
import { completionOutcome } from './completion-outcome.js';
import { countPromptMedia } from './prompt-media.js';

/**
 * A model that only produces embeddings never serves a completion: its upstream would be asked
 * for one it cannot make (or would bill one it should not).
 */
export function producesText(model: CatalogModel): boolean {
  return model.outputModalities.some((modality) => modality !== 'embeddings');
}

/** The completion text of a chat delta: content, reasoning and tool calls. */
function deltaText(choice: ChatChunkChoice): string {
  const delta = choice.delta as { content?: unknown; reasoning?: unknown; tool_calls?: unknown };
  let text = '';
  if (typeof delta.content === 'string') text += delta.content;
  if (typeof delta.reasoning === 'string') text += delta.reasoning;
  if (delta.tool_calls !== undefined) text += JSON.stringify(delta.tool_calls);
  return text;
}

/** How a chat stream is read upstream and written out. */
const CHAT_STREAM: StreamCodec<ChatChunkChoice> = {
  object: 'chat.completion.chunk',
  createParser: (endpoint) =>
    endpoint.provider.adapter.createStreamParser(endpoint.provider.settings),
  textOf: deltaText,
  splitOf: (choice) => {
    const delta = choice.delta as { content?: unknown; reasoning?: unknown; tool_calls?: unknown };
    let output = typeof delta.content === 'string' ? delta.content : '';
    if (delta.tool_calls !== undefined) output += JSON.stringify(delta.tool_calls);
    return { output, reasoning: typeof delta.reasoning === 'string' ? delta.reasoning : '' };
  },
  errorChoice: { index: 0, delta: { content: '' }, finish_reason: 'error' },
};

/** The completion text of non-stream choices: content, reasoning and tool calls. */
function completionText(choices: readonly ChatChoice[]): string {
  let text = '';
  for (const choice of choices) {
    if (typeof choice.message.content === 'string') text += choice.message.content;
    if (typeof choice.message.reasoning === 'string') text += choice.message.reasoning;
    for (const call of choice.message.tool_calls ?? []) text += JSON.stringify(call);
  }
  return text;
}

/** The output as stored content shows it: content and tool calls, reasoning apart. */
function storedOutput(choices: readonly ChatChoice[]): {
  completion: string;
  reasoning: string | null;
} {
  let completion = '';
  let reasoning: string | null = null;
  for (const choice of choices) {
    if (typeof choice.message.content === 'string') completion += choice.message.content;
    for (const call of choice.message.tool_calls ?? []) completion += JSON.stringify(call);
    if (typeof choice.message.reasoning === 'string') {
      reasoning = (reasoning ?? '') + choice.message.reasoning;
    }
  }
  return { completion, reasoning };
}

/** The larger of two optional output limits, or null when neither is set. */
function largerLimit(
  first: number | null | undefined,
  second: number | null | undefined,
): number | null {
  if (first === null || first === undefined) return second ?? null;
  if (second === null || second === undefined) return first;
  return Math.max(first, second);
}

/** What bounds a chat request's cost besides its upstream body. */
function chatCostShape(body: ChatCompletionRequest): CostShape {
  const media = countPromptMedia(body.messages);
  const prediction = body['prediction'];
  return {
    // Both fields go upstream as sent, and an upstream may obey either: the larger bounds both.
    requestedOutput: largerLimit(body.max_completion_tokens, body.max_tokens),
    outputs: 1,
    promptImages: media.images,
    promptMedia: media.media,
    hasTools: Array.isArray(body.tools) && body.tools.length > 0,
    extraOutputTokens:
      prediction === undefined || prediction === null
        ? 0n
        : BigInt(Buffer.byteLength(JSON.stringify(prediction))),
  };
}

/** `POST /chat/completions` in the pipeline: non-stream and stream, decided by `stream` only. */
export const CHAT_API: GenerationApi<ChatCompletionRequest, ChatChunkChoice> = {
  serves: (_endpoint, model) => producesText(model),
  meterFields(body) {
    const media = countPromptMedia(body.messages);
    return {
      model: body.model,
      streamed: body.stream === true,
      apiType: 'completions',
      messages: body.messages,
      externalUser: body.user ?? null,
      sessionId: body.session_id,
      numMediaPrompt: media.media,
      numPromptImages: media.images,
      numInputAudioPrompt: media.audio,
    };
  },
  costShape: chatCostShape,
  buildCall: (body, { endpoint }) =>
    endpoint.provider.adapter.buildChatRequest(
      body,
      endpoint.upstreamModel,
      endpoint.provider.settings,
    ),
  streamOf: (body) => (body.stream === true ? CHAT_STREAM : null),
  read(json, { endpoint }, _body, storesContent) {
    const { adapter, settings } = endpoint.provider;
    const completion = adapter.parseChatResponse(json, settings);
    return {
      outcome: completionOutcome(
        completion,
        completionText(completion.choices),
        endpoint,
        storesContent ? storedOutput(completion.choices) : undefined,
      ),
      respond: (served, finished): ChatCompletion => ({
        id: served.id,
        provider: served.provider,
        model: served.model,
        object: 'chat.completion',
        created: served.created,
        choices: completion.choices,
        system_fingerprint: completion.systemFingerprint,
        service_tier: completion.serviceTier,
        usage: finished.usage,
      }),
    };
  },
};
