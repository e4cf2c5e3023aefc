import {
  type Embedding,
  type EmbeddingsInput,
  type EmbeddingsRequest,
  EmbeddingsRequestSchema,
  type EmbeddingsResponse,
} from '@tollgate/protocol';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { CostShape } from '../accounts/max-cost.js';
import { UpstreamError } from '../errors/gateway-error.js';
import type { GatewayContext } from '../gateway-context.js';
import type { GenerationMeter, PlainPrompt } from '../ledger/generation-meter.js';
import type {
  EmbeddingsSupport,
  UpstreamCall,
  UpstreamEmbeddings,
} from '../providers/provider-adapter.js';
import { abortOnClientClose, dispatchWithFallback } from '../routing/dispatch.js';
import type { ModelEndpoint } from '../routing/model-catalog.js';
import type { Candidate, RoutePlan } from '../routing/select-candidates.js';
import {
  admitRequest,
  createRequestMeter,
  holdSpend,
  parseUpstreamJson,
  recordServed,
  sendJson,
} from './metered-request.js';
import { type EmbeddingEncoding, toEmbeddingEncoding } from './to-embedding-encoding.js';

/** The endpoint's embeddings support (candidates without it were never selected). */
function embeddingsOf(endpoint: ModelEndpoint): EmbeddingsSupport {
  const support = endpoint.provider.adapter.embeddings;
  if (support === undefined) {
    throw new Error(`provider kind ${endpoint.provider.kind} has no embeddings`);
  }
  return support;
}

const servesEmbeddings = (endpoint: ModelEndpoint): boolean =>
  endpoint.provider.adapter.embeddings !== undefined;

/** The input as a list of items, each embedded on its own: texts, or token-id arrays. */
function inputItems(input: EmbeddingsInput): string[] | number[][] {
  if (typeof input === 'string') return [input];
  if (input.every((item: string | number | number[]) => typeof item === 'number')) {
    return [input as number[]];
  }
  return input as string[] | number[][];
}

/** The prompt the meter counts: texts with the reference tokenizer, token ids as they are. */
function plainPromptOf(items: string[] | number[][]): PlainPrompt {
  if (items.every((item: string | number[]) => typeof item === 'string')) {
    return { texts: items as string[] };
  }
  let tokenIds = 0;
  for (const item of items as number[][]) tokenIds += item.length;
  return { tokenIds };
}

/** Embeddings produce nothing: the cost is the upstream body's prompt, at most. */
const EMBEDDINGS_COST_SHAPE: CostShape = {
  requestedOutput: null,
  outputs: 0,
  promptImages: 0,
  promptMedia: 0,
  hasTools: false,
  extraOutputTokens: 0n,
};

/** The adapter's embeddings call for a candidate. */
function buildEmbeddingsCall(body: EmbeddingsRequest, { endpoint }: Candidate): UpstreamCall {
  return embeddingsOf(endpoint).buildRequest(
    body,
    endpoint.upstreamModel,
    endpoint.provider.settings,
  );
}

/**
 * The upstream's vectors, one per input, in the encoding the client asked (floats by default); a
 * count that does not match, or a vector that is not one, is an invalid upstream response.
 */
function encodeAll(
  result: UpstreamEmbeddings,
  inputs: number,
  encoding: EmbeddingEncoding,
  providerName: string,
): Embedding[] {
  const invalid = (detail: string) =>
    new UpstreamError(
      'upstream_error',
      `Provider returned an invalid response: ${detail}`,
      { provider_name: providerName },
      { retryable: true },
    );
  if (result.embeddings.length !== inputs) {
    throw invalid(`${result.embeddings.length} embeddings for ${inputs} inputs`);
  }
  return result.embeddings.map((vector, index) => {
    const embedding = toEmbeddingEncoding(vector, encoding);
    if (embedding === null) throw invalid(`embedding ${index} is not base64 float32`);
    return { object: 'embedding', embedding, index };
  });
}

async function embed(
  context: GatewayContext,
  meter: GenerationMeter,
  plan: RoutePlan,
  body: EmbeddingsRequest,
  callOf: (candidate: Candidate) => UpstreamCall,
  inputs: number,
  reply: FastifyReply,
): Promise<string> {
  const controller = abortOnClientClose(reply.raw);
  const dispatched = await dispatchWithFallback(
    meter,
    plan,
    callOf,
    controller.signal,
    context.endpointStats,
  );
  const { candidate } = dispatched;
  const { settings, name: providerName } = candidate.endpoint.provider;
  const encoding = body.encoding_format ?? 'float';
  // Re-encoding happens before the commit: a bad vector makes an `error` record, not a 200 one.
  const { result, data } = await parseUpstreamJson(meter, dispatched, controller.signal, (json) => {
    const parsed = embeddingsOf(candidate.endpoint).parseResponse(json, settings);
    return { result: parsed, data: encodeAll(parsed, inputs, encoding, providerName) };
  });
  const finished = await meter.finish({
    model: candidate.model.id,
    endpoint: candidate.endpoint,
    upstreamId: result.upstreamId,
    // OpenRouter records embeddings with no finish reason; the cost engine bills them anyway.
    finishReason: null,
    nativeFinishReason: null,
    usage: result.usage,
    completionText: '',
    cancelled: controller.signal.aborted,
    serviceTier: null,
  });
  recordServed(context, candidate, finished);
  const response: EmbeddingsResponse = {
    id: meter.id,
    object: 'list',
    data,
    model: candidate.model.id,
    provider: providerName,
    usage: {
      prompt_tokens: finished.usage.prompt_tokens,
      total_tokens: finished.usage.total_tokens,
      cost: finished.usage.cost,
      price_version: finished.usage.price_version,
      cost_status: finished.usage.cost_status,
    },
  };
  return JSON.stringify(response);
}

/**
 * `POST /api/v1/embeddings`, metered as `api_type: "embeddings"`: billed for prompt tokens only;
 * the record is committed before the response. `stream` is ignored, as OpenRouter does. Only
 * endpoints whose protocol has embeddings (OpenAI-compatible ones) serve it.
 */
export function registerEmbeddings(app: FastifyInstance, context: GatewayContext): void {
  app.post('/api/v1/embeddings', async (request, reply) => {
    const admitted = await admitRequest(
      context,
      request,
      EmbeddingsRequestSchema,
      servesEmbeddings,
    );
    const { key, plan, body } = admitted;
    const items = inputItems(body.input);
    const prompt = plainPromptOf(items);
    const held = await holdSpend(context, key, plan, body, {
      shape: EMBEDDINGS_COST_SHAPE,
      buildCall: buildEmbeddingsCall,
    });
    const meter = createRequestMeter(context, request, key, held, {
      model: body.model,
      streamed: false,
      apiType: 'embeddings',
      plainPrompt: prompt,
      externalUser: body.user ?? null,
      sessionId: body.session_id,
    });
    reply.header('x-generation-id', meter.id);
    return sendJson(reply, () =>
      embed(context, meter, plan, body, held.callOf, items.length, reply),
    );
  });
}
