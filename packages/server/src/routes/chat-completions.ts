import {
  type ChatChoice,
  type ChatCompletion,
  type ChatCompletionRequest,
  ChatCompletionRequestSchema,
} from '@tollgate/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { computeMaxCost } from '../accounts/max-cost.js';
import { UpstreamError } from '../errors/gateway-error.js';
import { toGatewayError } from '../errors/to-error-response.js';
import type { GatewayContext } from '../gateway-context.js';
import { authorize } from '../http/authorize.js';
import { countPromptMedia, headerValue } from '../http/request-info.js';
import { validate } from '../http/validate.js';
import { GenerationMeter, type Settlement } from '../ledger/generation-meter.js';
import type { FinishedGeneration } from '../ledger/generation-record.js';
import { toTransportError } from '../providers/upstream-client.js';
import {
  abortOnClientClose,
  clientGone,
  type Dispatched,
  dispatchWithFallback,
  recordFailure,
} from '../routing/dispatch.js';
import type { Candidate, RoutePlan } from '../routing/select-candidates.js';
import { selectCandidates } from '../routing/select-candidates.js';
import type { ApiKeyRow } from '../storage/storage.js';
import { streamChatCompletion } from './chat-completions-stream.js';

function createMeter(
  context: GatewayContext,
  request: FastifyRequest,
  body: ChatCompletionRequest,
  key: ApiKeyRow,
  settlement: Settlement,
): GenerationMeter {
  const media = countPromptMedia(body.messages);
  return new GenerationMeter(
    {
      keyHash: key.hash,
      workspaceId: key.workspaceId,
      settlement,
      model: body.model,
      streamed: body.stream === true,
      apiType: 'completions',
      messages: body.messages,
      httpReferer: headerValue(request.headers, 'http-referer'),
      userAgent: headerValue(request.headers, 'user-agent'),
      externalUser: body.user ?? null,
      sessionId: body.session_id ?? headerValue(request.headers, 'x-session-id'),
      dataRegion: context.dataRegion,
      numMediaPrompt: media.media,
      numPromptImages: media.images,
      numInputAudioPrompt: media.audio,
      nowMs: context.now(),
    },
    context.ledger,
  );
}

/** Sends the chat request along the plan (with fallbacks); see {@link dispatchWithFallback}. */
export function dispatchChat(
  context: GatewayContext,
  meter: GenerationMeter,
  plan: RoutePlan,
  body: ChatCompletionRequest,
  signal: AbortSignal,
): Promise<Dispatched> {
  const buildCall = ({ endpoint }: Candidate) =>
    endpoint.provider.adapter.buildChatRequest(
      body,
      endpoint.upstreamModel,
      endpoint.provider.settings,
    );
  return dispatchWithFallback(meter, plan, buildCall, signal, context.endpointStats);
}

/** Feeds a served generation's latency and throughput into the endpoint statistics. */
export function recordServed(
  context: GatewayContext,
  candidate: Candidate,
  finished: FinishedGeneration,
): void {
  const {
    latency,
    generation_time: generationTime,
    native_tokens_completion: tokens,
  } = finished.record;
  const throughput =
    generationTime !== null && generationTime > 0 && tokens !== null
      ? (tokens * 1000) / generationTime
      : null;
  context.endpointStats.recordSuccess(candidate.endpoint.id, latency, throughput);
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

async function completeNonStream(
  context: GatewayContext,
  meter: GenerationMeter,
  plan: RoutePlan,
  body: ChatCompletionRequest,
  reply: FastifyReply,
): Promise<string> {
  const controller = abortOnClientClose(reply.raw);
  const { response, candidate } = await dispatchChat(context, meter, plan, body, controller.signal);
  const { adapter, settings, name: providerName } = candidate.endpoint.provider;
  let completion: ReturnType<typeof adapter.parseChatResponse>;
  try {
    const json: unknown = await response.body.json().catch((error: unknown) => {
      if (controller.signal.aborted) throw error;
      if (!(error instanceof SyntaxError)) throw toTransportError(error, providerName);
      throw new UpstreamError(
        'upstream_error',
        'Provider returned an invalid response: body is not JSON',
        { provider_name: providerName },
        { retryable: true, cause: error },
      );
    });
    meter.firstToken();
    completion = adapter.parseChatResponse(json, settings);
  } catch (error) {
    const cancelled = controller.signal.aborted;
    return recordFailure(meter, candidate, cancelled ? clientGone() : error, cancelled);
  }
  const first = completion.choices[0];
  const finished = await meter.finish({
    model: candidate.model.id,
    endpoint: candidate.endpoint,
    upstreamId: completion.upstreamId,
    finishReason: first?.finish_reason ?? null,
    nativeFinishReason: first?.native_finish_reason ?? null,
    usage: completion.usage,
    completionText: completionText(completion.choices),
    cancelled: controller.signal.aborted,
    serviceTier: completion.serviceTier,
  });
  recordServed(context, candidate, finished);
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

/** Holds the request's worst-case cost when a limit applies; otherwise just tracks usage. */
async function settlementFor(
  context: GatewayContext,
  key: ApiKeyRow,
  body: ChatCompletionRequest,
  plan: RoutePlan,
): Promise<{ settlement: Settlement; body: ChatCompletionRequest }> {
  if (!context.spendGuard.isLimited(key)) {
    const settlement: Settlement = {
      settle: (actual, createdAtMs) => context.spendGuard.record(key.hash, actual, createdAtMs),
      release: () => undefined,
    };
    return { settlement, body };
  }
  const images = countPromptMedia(body.messages).images;
  // Any candidate may serve: hold the most expensive one's bound.
  const bounds = plan.candidates.map((candidate) =>
    computeMaxCost(body, candidate.model, candidate.endpoint, images),
  );
  const bound = bounds.reduce((most, next) => (next.maxCost > most.maxCost ? next : most));
  const settlement = await context.spendGuard.reserve(key, bound.maxCost, bound.maxTokens);
  // Without an output bound the hold would not hold: send the one it assumed.
  const bounded = bound.injectMaxTokens ? { ...body, max_tokens: bound.maxTokens } : body;
  return { settlement, body: bounded };
}

/** `POST /api/v1/chat/completions`, non-stream and stream (decided by `body.stream` only). */
export function registerChatCompletions(app: FastifyInstance, context: GatewayContext): void {
  app.post('/api/v1/chat/completions', async (request, reply) => {
    const caller = await authorize(context, request);
    context.spendGuard.touch(caller.key);
    const requested = validate(ChatCompletionRequestSchema, request.body, 'request body');
    const plan = selectCandidates(requested, context.catalog, context.endpointStats);
    const { settlement, body } = await settlementFor(context, caller.key, requested, plan);
    const meter = createMeter(context, request, body, caller.key, settlement);
    reply.header('x-generation-id', meter.id);
    if (body.stream === true) {
      return streamChatCompletion(context, meter, plan, body, reply);
    }
    try {
      const payload = await completeNonStream(context, meter, plan, body, reply);
      return reply.type('application/json; charset=utf-8').send(payload);
    } catch (error) {
      throw toGatewayError(error);
    }
  });
}
