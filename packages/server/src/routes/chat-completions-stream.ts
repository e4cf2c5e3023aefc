import type { ServerResponse } from 'node:http';
import type { ChatCompletionChunk, ChatCompletionRequest } from '@tollgate/protocol';
import type { FastifyReply } from 'fastify';
import { GatewayError } from '../errors/gateway-error.js';
import { toStreamError } from '../errors/to-error-response.js';
import type { GatewayContext } from '../gateway-context.js';
import type { GenerationMeter } from '../ledger/generation-meter.js';
import type { FinishedGeneration } from '../ledger/generation-record.js';
import type { NativeUsage, UpstreamChunk } from '../providers/provider-adapter.js';
import { toTransportError } from '../providers/upstream-client.js';
import { abortOnClientClose } from '../routing/dispatch.js';
import type { ModelEndpoint } from '../routing/model-catalog.js';
import type { Candidate, RoutePlan } from '../routing/select-candidates.js';
import { readSseData, SSE_HEADERS, writeSse } from '../streaming/sse.js';
import { dispatchChat, recordServed } from './chat-completions.js';

/** What the stream has produced so far. */
interface StreamState {
  text: string;
  upstreamId: string | null;
  finishReason: string | null;
  nativeFinishReason: string | null;
  usage: NativeUsage | null;
  serviceTier: string | null;
  systemFingerprint: string | null;
}

function absorb(state: StreamState, chunk: UpstreamChunk): boolean {
  let produced = false;
  state.upstreamId ??= chunk.upstreamId;
  state.serviceTier = chunk.serviceTier ?? state.serviceTier;
  state.systemFingerprint = chunk.systemFingerprint ?? state.systemFingerprint;
  if (chunk.usage !== null) state.usage = chunk.usage;
  for (const choice of chunk.choices) {
    const delta = choice.delta as { content?: unknown; reasoning?: unknown; tool_calls?: unknown };
    if (typeof delta.content === 'string' && delta.content !== '') {
      state.text += delta.content;
      produced = true;
    }
    if (typeof delta.reasoning === 'string' && delta.reasoning !== '') {
      state.text += delta.reasoning;
      produced = true;
    }
    if (delta.tool_calls !== undefined) {
      state.text += JSON.stringify(delta.tool_calls);
      produced = true;
    }
    if (choice.finish_reason !== null) {
      state.finishReason = choice.finish_reason;
      state.nativeFinishReason = choice.native_finish_reason ?? null;
    }
  }
  return produced;
}

function chunkEnvelope(
  meter: GenerationMeter,
  candidate: Candidate,
  state: StreamState,
): Omit<ChatCompletionChunk, 'choices'> {
  const envelope: Omit<ChatCompletionChunk, 'choices'> = {
    id: meter.id,
    provider: candidate.endpoint.provider.name,
    model: candidate.model.id,
    object: 'chat.completion.chunk',
    created: meter.created,
  };
  // Clients reject `system_fingerprint: null` in chunks: send it only as a string.
  if (state.systemFingerprint !== null) envelope.system_fingerprint = state.systemFingerprint;
  return envelope;
}

async function pump(
  response: { body: AsyncIterable<Uint8Array> },
  endpoint: ModelEndpoint,
  raw: ServerResponse,
  meter: GenerationMeter,
  write: (chunk: UpstreamChunk) => string,
  state: StreamState,
  controller: AbortController,
): Promise<void> {
  const { adapter, settings } = endpoint.provider;
  const parse = adapter.createStreamParser(settings);
  for await (const data of readSseData(response.body)) {
    const event = parse(data);
    if (event === 'done') return;
    if (event === 'skip') continue;
    if (absorb(state, event)) meter.firstToken();
    if (event.choices.length > 0 && !(await writeSse(raw, write(event)))) {
      // The client is gone. Abort before leaving the loop: leaving first would end the body
      // normally, and undici would then keep draining the stalled upstream to reuse its socket.
      controller.abort();
      return;
    }
  }
}

/**
 * Streams a chat completion: upstream chunks are rewritten to OpenRouter's shape as they come;
 * then one usage chunk; the record is committed; only then `data: [DONE]`. A client that goes
 * away aborts the upstream at once and leaves a `cancelled` record billed for what was produced.
 */
export async function streamChatCompletion(
  context: GatewayContext,
  meter: GenerationMeter,
  plan: RoutePlan,
  body: ChatCompletionRequest,
  reply: FastifyReply,
): Promise<void> {
  const controller = abortOnClientClose(reply.raw);
  const { response, candidate } = await dispatchChat(context, meter, plan, body, controller.signal);
  const { endpoint } = candidate;
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, { ...SSE_HEADERS, 'x-generation-id': meter.id });
  const state: StreamState = {
    text: '',
    upstreamId: null,
    finishReason: null,
    nativeFinishReason: null,
    usage: null,
    serviceTier: null,
    systemFingerprint: null,
  };
  const write = (chunk: UpstreamChunk) =>
    JSON.stringify({ ...chunkEnvelope(meter, candidate, state), choices: chunk.choices });
  let failure: unknown = null;
  try {
    await pump(response, endpoint, raw, meter, write, state, controller);
  } catch (error) {
    failure = GatewayError.is(error) ? error : toTransportError(error, endpoint.provider.name);
  }
  const cancelled = controller.signal.aborted || raw.destroyed;
  // Abort (not just destroy) the upstream request: undici drains a merely destroyed body to reuse
  // the socket, which keeps a stalled upstream generating (and its socket open) for nothing.
  if (cancelled || failure !== null) controller.abort();
  response.body.destroy();
  if (failure !== null && !cancelled) state.finishReason = 'error';
  let finished: FinishedGeneration | null = null;
  try {
    finished = await meter.finish({
      model: candidate.model.id,
      endpoint,
      upstreamId: state.upstreamId,
      finishReason: state.finishReason,
      nativeFinishReason: state.nativeFinishReason,
      usage: state.usage,
      completionText: state.text,
      cancelled,
      serviceTier: state.serviceTier,
    });
  } catch (error) {
    context.logger.error({ err: error, generationId: meter.id }, 'generation commit failed');
    failure = error;
  }
  if (finished !== null && failure === null) recordServed(context, candidate, finished);
  if (cancelled) {
    raw.destroy();
    return;
  }
  const envelope = chunkEnvelope(meter, candidate, state);
  if (failure !== null || finished === null) {
    const error = toStreamError(failure);
    const choices = [{ index: 0, delta: { content: '' }, finish_reason: 'error' }];
    await writeSse(raw, JSON.stringify({ ...envelope, error, choices }));
    raw.end();
    return;
  }
  await writeSse(raw, JSON.stringify({ ...envelope, choices: [], usage: finished.usage }));
  raw.end('data: [DONE]\n\n');
}
