import {
  type ChatChoice,
  type ChatCompletion,
  type ChatCompletionRequest,
  ChatCompletionRequestSchema,
} from '@tollgate/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CostShape } from '../accounts/max-cost.js';
import type { GatewayContext } from '../gateway-context.js';
import { countPromptMedia } from '../http/request-info.js';
import type { GenerationMeter } from '../ledger/generation-meter.js';
import type { UpstreamCall } from '../providers/provider-adapter.js';
import { abortOnClientClose, type Dispatched, dispatchWithFallback } from '../routing/dispatch.js';
import type { Candidate, RoutePlan } from '../routing/select-candidates.js';
import type { ApiKeyRow } from '../storage/storage.js';
import { streamChatCompletion } from './chat-completions-stream.js';
import {
  admitRequest,
  createRequestMeter,
  finishCompletion,
  type HeldRequest,
  holdSpend,
  parseUpstreamJson,
  sendJson,
} from './metered-request.js';

function createMeter(
  context: GatewayContext,
  request: FastifyRequest,
  body: ChatCompletionRequest,
  key: ApiKeyRow,
  held: HeldRequest,
): GenerationMeter {
  const media = countPromptMedia(body.messages);
  return createRequestMeter(context, request, key, held, {
    model: body.model,
    streamed: body.stream === true,
    apiType: 'completions',
    messages: body.messages,
    externalUser: body.user ?? null,
    sessionId: body.session_id,
    numMediaPrompt: media.media,
    numPromptImages: media.images,
    numInputAudioPrompt: media.audio,
  });
}

/** The adapter's chat call for a candidate. */
function buildChatCall(body: ChatCompletionRequest, { endpoint }: Candidate): UpstreamCall {
  return endpoint.provider.adapter.buildChatRequest(
    body,
    endpoint.upstreamModel,
    endpoint.provider.settings,
  );
}

/** What bounds a chat request's cost besides its upstream body. */
function chatCostShape(body: ChatCompletionRequest): CostShape {
  const media = countPromptMedia(body.messages);
  const prediction = body['prediction'];
  return {
    requestedOutput: body.max_completion_tokens ?? body.max_tokens ?? null,
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

/** Sends the chat request along the plan (with fallbacks); see {@link dispatchWithFallback}. */
export function dispatchChat(
  context: GatewayContext,
  meter: GenerationMeter,
  plan: RoutePlan,
  callOf: (candidate: Candidate) => UpstreamCall,
  signal: AbortSignal,
): Promise<Dispatched> {
  return dispatchWithFallback(meter, plan, callOf, signal, context.endpointStats);
}

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

async function completeNonStream(
  context: GatewayContext,
  meter: GenerationMeter,
  plan: RoutePlan,
  callOf: (candidate: Candidate) => UpstreamCall,
  reply: FastifyReply,
): Promise<string> {
  const controller = abortOnClientClose(reply.raw);
  const dispatched = await dispatchChat(context, meter, plan, callOf, controller.signal);
  const { candidate } = dispatched;
  const { adapter, settings, name: providerName } = candidate.endpoint.provider;
  const completion = await parseUpstreamJson(meter, dispatched, controller.signal, (json) =>
    adapter.parseChatResponse(json, settings),
  );
  const finished = await finishCompletion(
    context,
    meter,
    candidate,
    completion,
    completionText(completion.choices),
    controller.signal.aborted,
    meter.storesContent ? storedOutput(completion.choices) : undefined,
  );
  const result: ChatCompletion = {
    id: meter.id,
    provider: providerName,
    model: candidate.model.id,
    object: 'chat.completion',
    created: meter.created,
    choices: completion.choices,
    system_fingerprint: completion.systemFingerprint,
    service_tier: completion.serviceTier,
    usage: finished.usage,
  };
  return JSON.stringify(result);
}

/** `POST /api/v1/chat/completions`, non-stream and stream (decided by `body.stream` only). */
export function registerChatCompletions(app: FastifyInstance, context: GatewayContext): void {
  app.post('/api/v1/chat/completions', async (request, reply) => {
    const admitted = await admitRequest(context, request, ChatCompletionRequestSchema);
    const { key, plan, body } = admitted;
    const held = await holdSpend(context, key, plan, body, {
      shape: chatCostShape(body),
      buildCall: buildChatCall,
    });
    const meter = createMeter(context, request, body, key, held);
    reply.header('x-generation-id', meter.id);
    if (body.stream === true) {
      return streamChatCompletion(context, meter, plan, held.callOf, reply);
    }
    return sendJson(reply, () => completeNonStream(context, meter, plan, held.callOf, reply));
  });
}
