import {
  MODEL_PARAMETERS,
  type Model,
  type ModelArchitecture,
  type ModelEndpoints,
  type ModelParameter,
  type PublicEndpoint,
} from '@tollgate/protocol';
import { capabilitiesOf } from '../providers/provider-capabilities.js';
import type { EndpointStats } from '../routing/endpoint-stats.js';
import type { CatalogModel, ModelEndpoint } from '../routing/model-catalog.js';
import { toProviderSlug } from './to-wire-provider.js';

function toArchitecture(model: CatalogModel): ModelArchitecture {
  return {
    modality: `${model.inputModalities.join('+')}->${model.outputModalities.join('+')}`,
    input_modalities: [...model.inputModalities],
    output_modalities: [...model.outputModalities],
    // Tollgate cannot know the upstream tokenizer; OpenRouter's catch-all family says so.
    tokenizer: 'Other',
    instruct_type: null,
  };
}

/** Parameters any endpoint of the model honours, in OpenRouter's order. */
function toSupportedParameters(endpoints: readonly ModelEndpoint[]): ModelParameter[] {
  const supported = new Set(
    endpoints.flatMap((endpoint) => capabilitiesOf(endpoint.provider.kind).supportedParameters),
  );
  return MODEL_PARAMETERS.filter((parameter) => supported.has(parameter));
}

function firstEndpoint(model: CatalogModel): ModelEndpoint {
  const [first] = model.endpoints;
  // The config schema requires at least one endpoint per model.
  if (first === undefined) throw new Error(`model ${model.id} has no endpoints`);
  return first;
}

/** A catalog model in the wire shape of `GET /api/v1/models`. */
export function toWireModel(model: CatalogModel): Model {
  return {
    id: model.id,
    canonical_slug: model.id,
    hugging_face_id: null,
    name: model.name,
    created: model.created,
    description: model.description,
    context_length: model.contextLength,
    architecture: toArchitecture(model),
    pricing: { ...firstEndpoint(model).pricing },
    top_provider: {
      context_length: model.contextLength,
      max_completion_tokens: model.maxCompletionTokens,
      is_moderated: false,
    },
    per_request_limits: null,
    supported_parameters: toSupportedParameters(model.endpoints),
    default_parameters: null,
    expiration_date: null,
    supported_voices: null,
    links: { details: `/api/v1/models/${model.id}/endpoints` },
  };
}

function toPublicEndpoint(
  model: CatalogModel,
  endpoint: ModelEndpoint,
  stats: EndpointStats,
): PublicEndpoint {
  const windows = stats.windows(endpoint.id);
  const capabilities = capabilitiesOf(endpoint.provider.kind);
  return {
    name: `${endpoint.provider.name} | ${model.id}`,
    model_id: model.id,
    model_name: model.name,
    // The SDK requires an integer here; 0 marks a context window the config does not state.
    context_length: model.contextLength ?? 0,
    pricing: { ...endpoint.pricing },
    provider_name: endpoint.provider.name,
    tag: toProviderSlug(endpoint.provider.name),
    quantization: null,
    max_completion_tokens: model.maxCompletionTokens,
    max_prompt_tokens: null,
    supported_parameters: [...capabilities.supportedParameters],
    status: 0,
    // Measured by this node from the requests it served; null when it has served none.
    uptime_last_30m: windows.uptimeLast30m,
    uptime_last_5m: windows.uptimeLast5m,
    uptime_last_1d: windows.uptimeLast1d,
    latency_last_30m: windows.latencyLast30m,
    throughput_last_30m: windows.throughputLast30m,
    supports_implicit_caching: false,
    supports_tool_choice: { ...capabilities.toolChoice },
    supports_voice_cloning: false,
  };
}

/** A catalog model with its endpoints, as `GET /api/v1/models/{author}/{slug}/endpoints`. */
export function toModelEndpoints(model: CatalogModel, stats: EndpointStats): ModelEndpoints {
  return {
    id: model.id,
    name: model.name,
    created: model.created,
    description: model.description,
    architecture: toArchitecture(model),
    endpoints: model.endpoints.map((endpoint) => toPublicEndpoint(model, endpoint, stats)),
  };
}
