import {
  type TextCompletion,
  type TextCompletionChunkChoice,
  type TextCompletionRequest,
  TextCompletionRequestSchema,
} from '@tollgate/protocol';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { GatewayContext } from '../gateway-context.js';
import type { GenerationMeter } from '../ledger/generation-meter.js';
import type { TextCompletionSupport, UpstreamCall } from '../providers/provider-adapter.js';
import { abortOnClientClose, type Dispatched, dispatchWithFallback } from '../routing/dispatch.js';
import type { ModelEndpoint } from '../routing/model-catalog.js';
import type { Candidate, RoutePlan } from '../routing/select-candidates.js';
import {
  admitRequest,
  createRequestMeter,
  finishCompletion,
  holdSpend,
  parseUpstreamJson,
  sendJson,
} from './metered-request.js';
import { type StreamCodec, streamGeneration } from './stream-generation.js';

/** The endpoint's legacy-completions support (candidates without it were never selected). */
function textCompletionsOf(endpoint: ModelEndpoint): TextCompletionSupport {
  const support = endpoint.provider.adapter.textCompletions;
  if (support === undefined) {
    throw new Error(`provider kind ${endpoint.provider.kind} has no legacy completions`);
  }
  return support;
}

const servesTextCompletions = (endpoint: ModelEndpoint): boolean =>
  endpoint.provider.adapter.textCompletions !== undefined;

/** The adapter's legacy-completions call for a candidate. */
function buildTextCall(body: TextCompletionRequest, { endpoint }: Candidate): UpstreamCall {
  return textCompletionsOf(endpoint).buildRequest(
    body,
    endpoint.upstreamModel,
    endpoint.provider.settings,
  );
}

function dispatchText(
  context: GatewayContext,
  meter: GenerationMeter,
  plan: RoutePlan,
  callOf: (candidate: Candidate) => UpstreamCall,
  signal: AbortSignal,
): Promise<Dispatched> {
  return dispatchWithFallback(meter, plan, callOf, signal, context.endpointStats);
}

/** How a legacy completion stream is read upstream and written out. */
const TEXT_COMPLETION_STREAM: StreamCodec<TextCompletionChunkChoice> = {
  object: 'text_completion',
  createParser: (endpoint) =>
    textCompletionsOf(endpoint).createStreamParser(endpoint.provider.settings),
  textOf: (choice) => choice.text,
  errorChoice: { index: 0, text: '', finish_reason: 'error' },
};

async function completeText(
  context: GatewayContext,
  meter: GenerationMeter,
  plan: RoutePlan,
  callOf: (candidate: Candidate) => UpstreamCall,
  reply: FastifyReply,
): Promise<string> {
  const controller = abortOnClientClose(reply.raw);
  const dispatched = await dispatchText(context, meter, plan, callOf, controller.signal);
  const { candidate } = dispatched;
  const { endpoint } = candidate;
  const completion = await parseUpstreamJson(meter, dispatched, controller.signal, (json) =>
    textCompletionsOf(endpoint).parseResponse(json, endpoint.provider.settings),
  );
  const text = completion.choices.map((choice) => choice.text).join('');
  const cancelled = controller.signal.aborted;
  const finished = await finishCompletion(context, meter, candidate, completion, text, cancelled);
  const result: TextCompletion = {
    id: meter.id,
    object: 'text_completion',
    created: meter.created,
    model: candidate.model.id,
    provider: endpoint.provider.name,
    system_fingerprint: completion.systemFingerprint,
    choices: completion.choices,
    usage: finished.usage,
  };
  return JSON.stringify(result);
}

/**
 * `POST /api/v1/completions`: OpenRouter's legacy text completions (`prompt`, one completion per
 * prompt), non-stream and stream, metered as `api_type: "completions"`. Only endpoints whose
 * protocol has text completions (OpenAI-compatible ones) serve it.
 */
export function registerCompletions(app: FastifyInstance, context: GatewayContext): void {
  app.post('/api/v1/completions', async (request, reply) => {
    const admitted = await admitRequest(
      context,
      request,
      TextCompletionRequestSchema,
      servesTextCompletions,
    );
    const { key, plan, body } = admitted;
    const prompts = typeof body.prompt === 'string' ? [body.prompt] : body.prompt;
    const shape = {
      requestedOutput: body.max_tokens ?? null,
      outputs: prompts.length,
      promptImages: 0,
      promptMedia: 0,
      hasTools: false,
      extraOutputTokens: 0n,
    };
    const held = await holdSpend(context, key, plan, body, { shape, buildCall: buildTextCall });
    const meter = createRequestMeter(context, request, key, held, {
      model: body.model,
      streamed: body.stream === true,
      apiType: 'completions',
      plainPrompt: { texts: prompts },
      externalUser: body.user ?? null,
      sessionId: body.session_id,
    });
    reply.header('x-generation-id', meter.id);
    if (body.stream === true) {
      return streamGeneration(context, meter, reply, TEXT_COMPLETION_STREAM, (signal) =>
        dispatchText(context, meter, plan, held.callOf, signal),
      );
    }
    return sendJson(reply, () => completeText(context, meter, plan, held.callOf, reply));
  });
}
