import type { ProviderPreferences } from '@tollgate/protocol';
import { GatewayError } from '../errors/gateway-error.js';
import { capabilitiesOf } from '../providers/provider-capabilities.js';
import type { EndpointStats } from './endpoint-stats.js';
import type { CatalogModel, ModelCatalog, ModelEndpoint } from './model-catalog.js';

/** One way to serve the request: a model and one of its endpoints. */
export interface Candidate {
  model: CatalogModel;
  endpoint: ModelEndpoint;
}

/** Candidates in the order to try, and whether to go past the first on a retryable failure. */
export interface RoutePlan {
  candidates: Candidate[];
  allowFallbacks: boolean;
}

/** What routing reads of a request (chat, legacy completions, embeddings). */
export interface RoutableRequest {
  model: string;
  models?: string[] | undefined;
  provider?: ProviderPreferences | null | undefined;
}

const MILLION = 1_000_000n;
/** Request fields that are not "parameters" for `require_parameters`. */
const NOT_PARAMETERS = new Set([
  'model',
  'models',
  'messages',
  'prompt',
  'stream',
  'stream_options',
  'provider',
  'route',
  'user',
  'session_id',
  'usage',
  'transforms',
  'plugins',
  'metadata',
  'n',
  // Embeddings: the payload, and an encoding the gateway converts itself when the upstream differs.
  'input',
  'encoding_format',
]);

function slug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

function matches(endpoint: ModelEndpoint, names: readonly string[]): boolean {
  const providerSlug = slug(endpoint.provider.name);
  return names.some((name) => slug(name) === providerSlug);
}

/** Why an endpoint is excluded by the preferences, or null when it is allowed. */
function exclusion(
  endpoint: ModelEndpoint,
  preferences: ProviderPreferences,
  parameters: readonly string[],
): string | null {
  if (preferences.only !== undefined && !matches(endpoint, preferences.only)) return 'only';
  if (preferences.ignore !== undefined && matches(endpoint, preferences.ignore)) return 'ignore';
  const maxPrice = preferences.max_price;
  if (maxPrice !== undefined) {
    // max_price is USD per million tokens for prompt and completion; compare in pico exactly.
    const perMillion = (usd: number) => BigInt(Math.round(usd * 1e6)) * MILLION;
    // An unpriced endpoint's cost is unknown: it cannot be shown to stay under any cap.
    if (endpoint.priceVersion === null) return 'max_price.unpriced';
    const prices = endpoint.prices;
    if (maxPrice.prompt !== undefined && prices.prompt * MILLION > perMillion(maxPrice.prompt)) {
      return 'max_price.prompt';
    }
    if (
      maxPrice.completion !== undefined &&
      prices.completion * MILLION > perMillion(maxPrice.completion)
    ) {
      return 'max_price.completion';
    }
    if (maxPrice.request !== undefined && prices.request > perMillion(maxPrice.request)) {
      return 'max_price.request';
    }
  }
  if (preferences.require_parameters === true) {
    const supported = new Set<string>(capabilitiesOf(endpoint.provider.kind).supportedParameters);
    if (parameters.some((parameter) => !supported.has(parameter))) return 'require_parameters';
  }
  return null;
}

function sortKey(preferences: ProviderPreferences): 'price' | 'throughput' | 'latency' | null {
  const sort = preferences.sort;
  if (sort === undefined || sort === null) return null;
  return typeof sort === 'string' ? sort : sort.by;
}

function orderEndpoints(
  endpoints: ModelEndpoint[],
  preferences: ProviderPreferences,
  stats: EndpointStats,
): ModelEndpoint[] {
  const ordered = [...endpoints];
  const by = sortKey(preferences);
  if (by === 'price') {
    // Unpriced endpoints sort last: their zero prices are unknown prices, not free ones.
    const price = (endpoint: ModelEndpoint) =>
      endpoint.priceVersion === null ? null : endpoint.prices.prompt + endpoint.prices.completion;
    ordered.sort((left, right) => {
      const [leftPrice, rightPrice] = [price(left), price(right)];
      if (leftPrice === null || rightPrice === null) {
        return Number(leftPrice === null) - Number(rightPrice === null);
      }
      return leftPrice < rightPrice ? -1 : leftPrice > rightPrice ? 1 : 0;
    });
  } else if (by === 'latency') {
    const latency = (endpoint: ModelEndpoint) => stats.get(endpoint.id).latencyMs ?? Infinity;
    ordered.sort((left, right) => latency(left) - latency(right));
  } else if (by === 'throughput') {
    const throughput = (endpoint: ModelEndpoint) => stats.get(endpoint.id).throughput ?? -1;
    ordered.sort((left, right) => throughput(right) - throughput(left));
  }
  const order = preferences.order;
  if (order !== undefined) {
    const rank = (endpoint: ModelEndpoint) => {
      const index = order.findIndex((name) => slug(name) === slug(endpoint.provider.name));
      return index === -1 ? order.length : index;
    };
    ordered.sort((left, right) => rank(left) - rank(right));
  }
  return ordered;
}

/**
 * Plans which endpoints to try, in order: the requested model, then each of `models` (fallback
 * models); within a model, configuration order unless `provider.order`/`sort` say otherwise;
 * `only`, `ignore`, `max_price` and `require_parameters` filter. With `order` and
 * `allow_fallbacks: false`, only the ordered providers are tried. `serves` keeps only endpoints
 * able to serve the route's API (an adapter without embeddings support, an embedding model asked
 * for a chat completion…). When the caller's key
 * (`keyHash`) owns a credential for an endpoint's provider (BYOK), that endpoint is tried first on it.
 */
export function selectCandidates(
  request: RoutableRequest,
  catalog: ModelCatalog,
  stats: EndpointStats,
  serves: (endpoint: ModelEndpoint, model: CatalogModel) => boolean = () => true,
  keyHash?: string,
): RoutePlan {
  const preferences: ProviderPreferences = request.provider ?? {};
  const modelIds = [request.model, ...(request.models ?? [])].filter(
    (id, index, all) => all.indexOf(id) === index,
  );
  const models = modelIds
    .map((id) => catalog.get(id))
    .filter((model): model is CatalogModel => model !== undefined);
  if (models.length === 0) {
    throw new GatewayError('not_found', `Model ${request.model} does not exist`, {
      metadata: { model: request.model },
    });
  }
  const parameters = Object.keys(request).filter((key) => !NOT_PARAMETERS.has(key));
  const allowFallbacks = preferences.allow_fallbacks !== false;
  const candidates: Candidate[] = [];
  const excluded: Record<string, string> = {};
  for (const model of models) {
    let endpoints = model.endpoints.filter((endpoint) => {
      // An endpoint whose protocol lacks the requested API (embeddings…) is never a candidate.
      const reason = serves(endpoint, model) ? exclusion(endpoint, preferences, parameters) : 'api';
      if (reason !== null) excluded[endpoint.id] = reason;
      return reason === null;
    });
    if (!allowFallbacks && preferences.order !== undefined) {
      endpoints = endpoints.filter((endpoint) => matches(endpoint, preferences.order ?? []));
    }
    const ordered = orderEndpoints(endpoints, preferences, stats);
    // BYOK endpoints go first, whatever the order (as OpenRouter's); the gateway's own
    // credential follows unless the owner's is marked `always_use`.
    const shared: ModelEndpoint[] = [];
    for (const endpoint of ordered) {
      const own = keyHash === undefined ? undefined : catalog.byokEndpoint(keyHash, endpoint);
      if (own !== undefined) candidates.push({ model, endpoint: own });
      if (own?.byok?.alwaysUse !== true) shared.push(endpoint);
    }
    for (const endpoint of shared) candidates.push({ model, endpoint });
  }
  if (candidates.length === 0) {
    throw new GatewayError(
      'not_found',
      `No endpoints found that can handle the requested parameters and provider preferences for ${modelIds.join(', ')}.`,
      { metadata: { excluded } },
    );
  }
  return { candidates, allowFallbacks };
}
