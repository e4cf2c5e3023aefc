import {
  MODELS_PAGE_LIMIT_DEFAULT,
  type Model,
  type ModelsCountQuery,
  type ModelsCountResponse,
  type ModelsListQuery,
  type ModelsListResponse,
} from '@tollgate/protocol';

/** Distinct queries whose serialized bodies are kept; beyond it the oldest is dropped. */
const MAX_CACHED_BODIES = 512;

/** `output_modalities` when the query leaves it out, as on OpenRouter. */
const DEFAULT_OUTPUT_MODALITIES = 'text';

interface ModelFilters {
  /** Parameters a model must all support (sorted, deduplicated). */
  supportedParameters: string[];
  /** Modalities of which a model must produce one; null for `all`. */
  outputModalities: string[] | null;
}

interface Paging {
  offset: number;
  limit: number;
}

function splitList(value: string): string[] {
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  return [...new Set(items)].sort();
}

function toFilters(query: ModelsCountQuery & Pick<ModelsListQuery, 'supported_parameters'>) {
  const outputModalities = splitList(query.output_modalities ?? DEFAULT_OUTPUT_MODALITIES);
  return {
    supportedParameters: splitList(query.supported_parameters ?? ''),
    outputModalities: outputModalities.includes('all') ? null : outputModalities,
  } satisfies ModelFilters;
}

function matches(model: Model, filters: ModelFilters): boolean {
  const { supportedParameters, outputModalities } = filters;
  if (!supportedParameters.every((name) => model.supported_parameters.includes(name))) {
    return false;
  }
  if (outputModalities === null) return true;
  return model.architecture.output_modalities.some((modality) =>
    outputModalities.includes(modality),
  );
}

/** Path and query of the page after `paging`, keeping the client's filters. */
function nextPagePath(query: ModelsListQuery, paging: Paging): string {
  const search = new URLSearchParams({
    offset: String(paging.offset + paging.limit),
    limit: String(paging.limit),
  });
  if (query.supported_parameters !== undefined) {
    search.set('supported_parameters', query.supported_parameters);
  }
  if (query.output_modalities !== undefined) {
    search.set('output_modalities', query.output_modalities);
  }
  if (query.category !== undefined) search.set('category', query.category);
  return `/api/v1/models?${search.toString()}`;
}

/**
 * The bodies of `GET /api/v1/models` and `/models/count` over an immutable list of models. Each
 * distinct query is filtered, paged and serialized once; repeats are answered from the cache.
 */
export class ModelListing {
  readonly #models: readonly Model[];
  readonly #bodies = new Map<string, string>();

  constructor(models: readonly Model[]) {
    this.#models = models;
    // The bodies clients ask for most are ready before the first request.
    this.page({});
    this.count({});
  }

  /** The serialized `ModelsListResponse` for a query (paging only when `offset` or `limit`). */
  page(query: ModelsListQuery): string {
    const paging: Paging | null =
      query.offset === undefined && query.limit === undefined
        ? null
        : { offset: query.offset ?? 0, limit: query.limit ?? MODELS_PAGE_LIMIT_DEFAULT };
    // The raw filter strings are part of the key because `links.next` repeats them.
    const key = JSON.stringify([
      'page',
      paging,
      query.supported_parameters,
      query.output_modalities,
      query.category,
    ]);
    return this.#cached(key, () => {
      const matching = this.#filter(toFilters(query));
      const data =
        paging === null ? matching : matching.slice(paging.offset, paging.offset + paging.limit);
      const hasNext = paging !== null && paging.offset + paging.limit < matching.length;
      const body: ModelsListResponse = {
        data,
        total_count: matching.length,
        links: { next: hasNext ? nextPagePath(query, paging) : null },
      };
      return JSON.stringify(body);
    });
  }

  /** The serialized `ModelsCountResponse` for a query. */
  count(query: ModelsCountQuery): string {
    const filters = toFilters(query);
    return this.#cached(JSON.stringify(['count', filters]), () => {
      const body: ModelsCountResponse = { data: { count: this.#filter(filters).length } };
      return JSON.stringify(body);
    });
  }

  #filter(filters: ModelFilters): Model[] {
    return this.#models.filter((model) => matches(model, filters));
  }

  #cached(key: string, build: () => string): string {
    const cached = this.#bodies.get(key);
    if (cached !== undefined) return cached;
    const body = build();
    if (this.#bodies.size >= MAX_CACHED_BODIES) {
      // Maps iterate in insertion order: the first key is the oldest.
      const oldest = this.#bodies.keys().next();
      if (oldest.done !== true) this.#bodies.delete(oldest.value);
    }
    this.#bodies.set(key, body);
    return body;
  }
}
