import type {
  Embedding,
  EmbeddingsInput,
  EmbeddingsRequest,
  EmbeddingsResponse,
} from '@tollgate/protocol';
import type { CostShape } from '../../accounts/max-cost.js';
import { UpstreamError } from '../../errors/gateway-error.js';
import type { PlainPrompt } from '../../ledger/generation-meter.js';
import type { EmbeddingsSupport, UpstreamEmbeddings } from '../../providers/provider-adapter.js';
import type { ModelEndpoint } from '../../routing/model-catalog.js';
import type { GenerationApi } from '../generation-api.js';
import { type EmbeddingEncoding, toEmbeddingEncoding } from './to-embedding-encoding.js';

/** The endpoint's embeddings support (candidates without it were never selected). */
function embeddingsOf(endpoint: ModelEndpoint): EmbeddingsSupport {
  const support = endpoint.provider.adapter.embeddings;
  if (support === undefined) {
    throw new Error(`provider kind ${endpoint.provider.kind} has no embeddings`);
  }
  return support;
}

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
  return { tokenIds, ids: items as number[][] };
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

/**
 * `POST /embeddings` in the pipeline, metered as `api_type: "embeddings"`: billed for prompt
 * tokens only; the record is committed before the response. `stream` is ignored, as OpenRouter
 * does. Only endpoints whose protocol has embeddings (OpenAI-compatible ones) serve it.
 */
export const EMBEDDINGS_API: GenerationApi<EmbeddingsRequest, never> = {
  serves: (endpoint) => endpoint.provider.adapter.embeddings !== undefined,
  meterFields: (body) => ({
    model: body.model,
    streamed: false,
    apiType: 'embeddings',
    plainPrompt: plainPromptOf(inputItems(body.input)),
    externalUser: body.user ?? null,
    sessionId: body.session_id,
  }),
  costShape: () => EMBEDDINGS_COST_SHAPE,
  buildCall: (body, { endpoint }) =>
    embeddingsOf(endpoint).buildRequest(body, endpoint.upstreamModel, endpoint.provider.settings),
  streamOf: () => null,
  read(json, { endpoint }, body) {
    const { settings, name: providerName } = endpoint.provider;
    const result = embeddingsOf(endpoint).parseResponse(json, settings);
    // Re-encoded before the commit: a bad vector makes an `error` record, not a 200 one.
    const inputs = inputItems(body.input).length;
    const data = encodeAll(result, inputs, body.encoding_format ?? 'float', providerName);
    return {
      // OpenRouter records embeddings with no finish reason; the cost engine bills them anyway.
      outcome: {
        upstreamId: result.upstreamId,
        finishReason: null,
        nativeFinishReason: null,
        usage: result.usage,
        completionText: '',
        serviceTier: null,
      },
      respond: (served, finished): EmbeddingsResponse => ({
        id: served.id,
        object: 'list',
        data,
        model: served.model,
        provider: served.provider,
        usage: {
          prompt_tokens: finished.usage.prompt_tokens,
          total_tokens: finished.usage.total_tokens,
          cost: finished.usage.cost,
          price_version: finished.usage.price_version,
          cost_status: finished.usage.cost_status,
        },
      }),
    };
  },
};
