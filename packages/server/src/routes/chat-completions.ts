import type { ServerResponse } from 'node:http';
import {
  type ChatChoice,
  type ChatCompletion,
  type ChatCompletionRequest,
  ChatCompletionRequestSchema,
} from '@tollgate/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Dispatcher } from 'undici';
import { computeMaxCost } from '../accounts/max-cost.js';
import { GatewayError, UpstreamError } from '../errors/gateway-error.js';
import { toGatewayError } from '../errors/to-error-response.js';
import type { GatewayContext } from '../gateway-context.js';
import { authorize } from '../http/authorize.js';
import { countPromptMedia, headerValue } from '../http/request-info.js';
import { validate } from '../http/validate.js';
import { GenerationMeter, type Settlement } from '../ledger/generation-meter.js';
import { toTransportError } from '../providers/upstream-client.js';
import type { ModelEndpoint } from '../routing/model-catalog.js';
import type { ApiKeyRow } from '../storage/storage.js';
import { streamChatCompletion } from './chat-completions-stream.js';

/** Reads an upstream error body (bounded) and turns it into the adapter's UpstreamError. */
export async function readUpstreamError(
  endpoint: ModelEndpoint,
  response: Dispatcher.ResponseData,
): Promise<UpstreamError> {
  let text = '';
  try {
    text = (await response.body.text()).slice(0, 64 * 1024);
  } catch {
    // A body that fails to arrive still leaves the status to report.
  }
  const { adapter, settings } = endpoint.provider;
  return adapter.toUpstreamError(response.statusCode, text, response.headers, settings);
}

/**
 * Aborts the upstream request when the client goes away before the response is complete: the
 * connection closing, or the client half-closing it (a FIN: fetch's abort, curl's Ctrl-C), which
 * Node's HTTP server alone would leave open until the response ends.
 */
export function abortOnClientClose(response: ServerResponse): AbortController {
  const controller = new AbortController();
  const socket = response.socket;
  const onGone = () => {
    if (!response.writableFinished) controller.abort();
  };
  response.once('close', onGone);
  if (socket !== null) {
    socket.once('end', onGone);
    response.once('finish', () => socket.off('end', onGone));
  }
  return controller;
}

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

/** Records a generation that produced nothing (upstream error or client gone), then rethrows. */
export async function recordFailure(
  meter: GenerationMeter,
  endpoint: ModelEndpoint,
  error: unknown,
  cancelled: boolean,
): Promise<never> {
  await meter.finish({
    endpoint,
    upstreamId: null,
    finishReason: cancelled ? null : 'error',
    nativeFinishReason: null,
    usage: null,
    completionText: '',
    cancelled,
    serviceTier: null,
  });
  throw error;
}

/** Sends the request upstream; records and rethrows a failure that produced no response. */
export async function dispatch(
  meter: GenerationMeter,
  endpoint: ModelEndpoint,
  body: ChatCompletionRequest,
  signal: AbortSignal,
): Promise<Dispatcher.ResponseData> {
  const { adapter, client, settings } = endpoint.provider;
  const call = adapter.buildChatRequest(body, endpoint.upstreamModel, settings);
  meter.dispatched();
  let response: Dispatcher.ResponseData;
  try {
    response = await client.send(call, signal);
  } catch (error) {
    meter.attempted(endpoint, null, null);
    return recordFailure(meter, endpoint, signal.aborted ? clientGone() : error, signal.aborted);
  }
  meter.attempted(endpoint, response.statusCode, null);
  if (response.statusCode >= 400) {
    return recordFailure(meter, endpoint, await readUpstreamError(endpoint, response), false);
  }
  return response;
}

/** The error used internally when the client disconnected (nobody is left to see it). */
export function clientGone(): GatewayError {
  return new GatewayError('request_timeout', 'Client closed the request');
}

async function completeNonStream(
  meter: GenerationMeter,
  endpoint: ModelEndpoint,
  body: ChatCompletionRequest,
  reply: FastifyReply,
): Promise<string> {
  const controller = abortOnClientClose(reply.raw);
  const response = await dispatch(meter, endpoint, body, controller.signal);
  const { adapter, settings } = endpoint.provider;
  let completion: ReturnType<typeof adapter.parseChatResponse>;
  try {
    const json: unknown = await response.body.json().catch((error: unknown) => {
      if (controller.signal.aborted) throw error;
      if (!(error instanceof SyntaxError)) throw toTransportError(error, endpoint.provider.name);
      throw new UpstreamError(
        'upstream_error',
        'Provider returned an invalid response: body is not JSON',
        { provider_name: endpoint.provider.name },
        { retryable: true, cause: error },
      );
    });
    meter.firstToken();
    completion = adapter.parseChatResponse(json, settings);
  } catch (error) {
    const cancelled = controller.signal.aborted;
    return recordFailure(meter, endpoint, cancelled ? clientGone() : error, cancelled);
  }
  const first = completion.choices[0];
  const finished = await meter.finish({
    endpoint,
    upstreamId: completion.upstreamId,
    finishReason: first?.finish_reason ?? null,
    nativeFinishReason: first?.native_finish_reason ?? null,
    usage: completion.usage,
    completionText: completionText(completion.choices),
    cancelled: controller.signal.aborted,
    serviceTier: completion.serviceTier,
  });
  const result: ChatCompletion = {
    id: meter.id,
    provider: endpoint.provider.name,
    model: body.model,
    object: 'chat.completion',
    created: meter.created,
    choices: completion.choices,
    system_fingerprint: completion.systemFingerprint,
    service_tier: completion.serviceTier,
    usage: finished.usage,
  };
  return JSON.stringify(result);
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

/** `POST /api/v1/chat/completions`, non-stream and stream (decided by `body.stream` only). */
export function registerChatCompletions(app: FastifyInstance, context: GatewayContext): void {
  app.post('/api/v1/chat/completions', async (request, reply) => {
    const caller = await authorize(context, request);
    context.spendGuard.touch(caller.key);
    let body = validate(ChatCompletionRequestSchema, request.body, 'request body');
    const model = context.catalog.get(body.model);
    if (model === undefined) {
      throw new GatewayError('not_found', `Model ${body.model} does not exist`, {
        metadata: { model: body.model },
      });
    }
    const endpoint = model.endpoints[0];
    if (endpoint === undefined) {
      throw new GatewayError('not_found', `No endpoints found for ${body.model}.`);
    }
    let settlement: Settlement = {
      settle: (actual, createdAtMs) =>
        context.spendGuard.record(caller.key.hash, actual, createdAtMs),
      release: () => undefined,
    };
    if (context.spendGuard.isLimited(caller.key)) {
      const images = countPromptMedia(body.messages).images;
      const bound = computeMaxCost(body, model, endpoint, images);
      settlement = await context.spendGuard.reserve(caller.key, bound.maxCost, bound.maxTokens);
      // Without an output bound the reservation would not hold: send the one it assumed.
      if (bound.injectMaxTokens) body = { ...body, max_tokens: bound.maxTokens };
    }
    const meter = createMeter(context, request, body, caller.key, settlement);
    reply.header('x-generation-id', meter.id);
    if (body.stream === true) {
      return streamChatCompletion(context, meter, endpoint, body, reply);
    }
    try {
      const payload = await completeNonStream(meter, endpoint, body, reply);
      return reply.type('application/json; charset=utf-8').send(payload);
    } catch (error) {
      throw toGatewayError(error);
    }
  });
}
