import {
  INPUT_MODALITIES,
  type InputModality,
  type ListedPricing,
  OUTPUT_MODALITIES,
  type OutputModality,
} from '@tollgate/protocol';
import type { ConfigFile, ProviderKind } from '../config/config-schema.js';
import { type EndpointPrices, parseFeePercent } from '../ledger/cost-engine.js';
import { resolveEndpointPrice } from '../prices/resolve-endpoint-price.js';
import type { AdapterSettings, ProviderAdapter } from '../providers/provider-adapter.js';
import { PROVIDER_ADAPTERS } from '../providers/registry.js';
import { UpstreamClient } from '../providers/upstream-client.js';

/** A configured provider, ready to call. */
export interface ProviderRuntime {
  name: string;
  kind: ProviderKind;
  adapter: ProviderAdapter;
  client: UpstreamClient;
  settings: AdapterSettings;
}

/** The terms of an endpoint reached with a key owner's own provider credential (BYOK). */
export interface ByokTerms {
  /** The gateway's fee, parts per million of the provider's list-price cost. */
  feePpm: bigint;
  /** Never fall back to the gateway's own credential when this one fails. */
  alwaysUse: boolean;
}

/** One way to serve a model. */
export interface ModelEndpoint {
  /** Stable id: `<provider name>/<upstream model>`. */
  id: string;
  provider: ProviderRuntime;
  upstreamModel: string;
  /** Prices as `/models` lists them (`"-1"` for prompt and completion when unpriced). */
  pricing: ListedPricing;
  /** Exact prices for the cost engine (all zero when unpriced). */
  prices: EndpointPrices;
  /**
   * Version of the prices charged, stored in each record: `config:<12 hex>` (config `pricing`),
   * the price catalog's version id, or `null` for an endpoint served unpriced.
   */
  priceVersion: string | null;
  /** Set when the endpoint runs on a key owner's own credential (BYOK); null otherwise. */
  byok: ByokTerms | null;
}

/** A model clients can ask for. */
export interface CatalogModel {
  id: string;
  name: string;
  description: string;
  contextLength: number | null;
  maxCompletionTokens: number | null;
  /** Unix seconds: the config's `created`, else when the catalog was built from the config. */
  created: number;
  /** Accepted input modalities, in {@link INPUT_MODALITIES} order; at least `text` by default. */
  inputModalities: InputModality[];
  /** What it produces, in {@link OUTPUT_MODALITIES} order; `text` unless the config says otherwise. */
  outputModalities: OutputModality[];
  endpoints: ModelEndpoint[];
}

/** Models and providers from the config; built once at start, read on every request. */
export class ModelCatalog {
  readonly #models: Map<string, CatalogModel>;
  readonly #providers: ProviderRuntime[];
  /** Key hash → endpoint id → the endpoint on that key owner's own credential. */
  readonly #byok: Map<string, Map<string, ModelEndpoint>>;

  private constructor(
    models: Map<string, CatalogModel>,
    providers: ProviderRuntime[],
    byok: Map<string, Map<string, ModelEndpoint>>,
  ) {
    this.#models = models;
    this.#providers = providers;
    this.#byok = byok;
  }

  /** Builds the catalog, one connection pool per provider; `loadedAt` (ms) dates unset `created`. */
  static fromConfig(config: ConfigFile, loadedAt: number = Date.now()): ModelCatalog {
    const loadedAtSeconds = Math.floor(loadedAt / 1000);
    const providers = new Map<string, ProviderRuntime>();
    for (const provider of config.providers) {
      providers.set(provider.name, {
        name: provider.name,
        kind: provider.kind,
        adapter: PROVIDER_ADAPTERS[provider.kind],
        client: new UpstreamClient({
          providerName: provider.name,
          baseUrl: provider.base_url,
          timeoutMs: provider.timeout_ms,
          connections: provider.max_connections,
        }),
        settings: {
          providerName: provider.name,
          apiKey: provider.api_key,
          headers: provider.headers,
        },
      });
    }
    const models = new Map<string, CatalogModel>();
    for (const model of config.models) {
      const endpoints = model.endpoints.map((endpoint): ModelEndpoint => {
        const provider = providers.get(endpoint.provider);
        // The config schema already rejects unknown provider names.
        if (provider === undefined) throw new Error(`unknown provider ${endpoint.provider}`);
        return {
          id: `${provider.name}/${endpoint.model}`,
          provider,
          upstreamModel: endpoint.model,
          ...resolveEndpointPrice(endpoint, provider.kind),
          byok: null,
        };
      });
      const accepted: readonly InputModality[] = model.input_modalities ?? ['text'];
      const produced: readonly OutputModality[] = model.output_modalities ?? ['text'];
      models.set(model.id, {
        id: model.id,
        name: model.name ?? model.id,
        description: model.description ?? '',
        contextLength: model.context_length ?? null,
        maxCompletionTokens: model.max_completion_tokens ?? null,
        created: model.created ?? loadedAtSeconds,
        inputModalities: INPUT_MODALITIES.filter((modality) => accepted.includes(modality)),
        outputModalities: OUTPUT_MODALITIES.filter((modality) => produced.includes(modality)),
        endpoints,
      });
    }
    return new ModelCatalog(models, [...providers.values()], byokEndpoints(config, models));
  }

  /**
   * The BYOK twin of `endpoint` for the owner of `keyHash`: the same upstream, prices and pool,
   * called with the owner's credential. Undefined when the key has no credential for its provider.
   */
  byokEndpoint(keyHash: string, endpoint: ModelEndpoint): ModelEndpoint | undefined {
    return this.#byok.get(keyHash)?.get(endpoint.id);
  }

  /** The model with this slug, if configured. */
  get(id: string): CatalogModel | undefined {
    return this.#models.get(id);
  }

  /** Every configured model. */
  list(): CatalogModel[] {
    return [...this.#models.values()];
  }

  /** Every configured provider, in config order (including ones no model uses). */
  listProviders(): ProviderRuntime[] {
    return [...this.#providers];
  }

  /** Closes every provider's connection pool. */
  async close(): Promise<void> {
    await Promise.all(this.#providers.map((provider) => provider.client.destroy()));
  }
}

/** Builds every key's BYOK endpoints once, so routing a request allocates nothing for them. */
function byokEndpoints(
  config: ConfigFile,
  models: Map<string, CatalogModel>,
): Map<string, Map<string, ModelEndpoint>> {
  const byKey = new Map<string, Map<string, ModelEndpoint>>();
  const feePpm = parseFeePercent(config.byok.fee_percent);
  for (const credential of config.byok.credentials) {
    const twins = new Map<ProviderRuntime, ProviderRuntime>();
    const terms: ByokTerms = { feePpm, alwaysUse: credential.always_use };
    for (const model of models.values()) {
      for (const endpoint of model.endpoints) {
        if (endpoint.provider.name !== credential.provider) continue;
        let provider = twins.get(endpoint.provider);
        if (provider === undefined) {
          provider = {
            ...endpoint.provider,
            settings: { ...endpoint.provider.settings, apiKey: credential.api_key },
          };
          twins.set(endpoint.provider, provider);
        }
        const twin: ModelEndpoint = { ...endpoint, provider, byok: terms };
        for (const hash of credential.key_hashes) {
          let endpoints = byKey.get(hash);
          if (endpoints === undefined) {
            endpoints = new Map();
            byKey.set(hash, endpoints);
          }
          endpoints.set(endpoint.id, twin);
        }
      }
    }
  }
  return byKey;
}
