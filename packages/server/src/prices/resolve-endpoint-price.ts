import { createHash } from 'node:crypto';
import {
  type ListedPricing,
  type PriceTier,
  type Pricing,
  UNKNOWN_PRICE,
} from '@tollgate/protocol';
import { type EndpointConfig, type ProviderKind, UNPRICED } from '../config/config-schema.js';
import { type EndpointPrices, parsePricing } from '../ledger/cost-engine.js';
import { type CatalogPrice, priceCatalog } from './price-catalog.js';

/** The price catalog's provider id for each upstream protocol. */
export const CATALOG_PROVIDER_OF_KIND: Record<ProviderKind, string> = {
  openai: 'openai',
  anthropic: 'anthropic',
  gemini: 'google',
};

/** The prices an endpoint charges, and where they come from. */
export interface ResolvedEndpointPrice {
  /** As `/models` lists them (`"-1"` for prompt and completion when unpriced). */
  pricing: ListedPricing;
  /** Exact prices for the cost engine; all zero when unpriced (nothing is charged). */
  prices: EndpointPrices;
  /**
   * Version of the prices: `config:<12 hex>` for config prices, the catalog's version id for
   * catalog prices, `null` for an endpoint served unpriced (`pricing: unpriced`).
   */
  priceVersion: string | null;
}

/** Where an endpoint is looked up in the catalog: `price` overrides, else kind and model. */
export function catalogKeyOf(
  endpoint: EndpointConfig,
  kind: ProviderKind,
): { provider: string; model: string; version: string } {
  return {
    provider: endpoint.price?.provider ?? CATALOG_PROVIDER_OF_KIND[kind],
    model: endpoint.price?.model ?? endpoint.model,
    version: priceCatalog().version,
  };
}

/** The catalog's price for an endpoint without `pricing`, or undefined when it has none. */
export function findEndpointPrice(
  endpoint: EndpointConfig,
  kind: ProviderKind,
): CatalogPrice | undefined {
  const key = catalogKeyOf(endpoint, kind);
  return priceCatalog().find(key.provider, key.model);
}

/**
 * The version id of config prices: `config:` and the first 12 hex digits of the SHA-256 of the
 * pricing object with its keys sorted, so the same prices always give the same id.
 */
export function configPriceVersion(pricing: Pricing, tiers: readonly PriceTier[] = []): string {
  const sortedKeys = (object: object) =>
    Object.fromEntries(Object.entries(object).sort(([left], [right]) => (left < right ? -1 : 1)));
  const sorted = sortedKeys(pricing);
  // Flat prices keep the id they always had; tiers, when set, are part of what is versioned.
  const versioned =
    tiers.length === 0
      ? sorted
      : {
          pricing: sorted,
          tiers: tiers.map((tier) => ({
            prompt_tokens_above: tier.prompt_tokens_above,
            pricing: sortedKeys(tier.pricing),
          })),
        };
  const digest = createHash('sha256').update(JSON.stringify(versioned)).digest('hex');
  return `config:${digest.slice(0, 12)}`;
}

const UNPRICED_PRICES: EndpointPrices = parsePricing({ prompt: '0', completion: '0' });

/**
 * The prices of a validated endpoint. Precedence: config `pricing` > catalog. An endpoint with
 * neither (unless `pricing: unpriced`) has been refused at start (check-catalog-prices.ts).
 */
export function resolveEndpointPrice(
  endpoint: EndpointConfig,
  kind: ProviderKind,
): ResolvedEndpointPrice {
  const pricing = endpoint.pricing;
  if (pricing === UNPRICED) {
    return {
      pricing: { prompt: UNKNOWN_PRICE, completion: UNKNOWN_PRICE },
      prices: UNPRICED_PRICES,
      priceVersion: null,
    };
  }
  if (pricing !== undefined) {
    return {
      pricing: { ...pricing },
      prices: parsePricing(pricing, endpoint.pricing_tiers ?? []),
      priceVersion: configPriceVersion(pricing, endpoint.pricing_tiers),
    };
  }
  const found = findEndpointPrice(endpoint, kind);
  if (found === undefined) {
    const key = catalogKeyOf(endpoint, kind);
    throw new Error(`no price for ${key.provider}/${key.model} in the catalog ${key.version}`);
  }
  return {
    pricing: { ...found.pricing },
    prices: parsePricing(found.pricing, found.tiers),
    priceVersion: found.version,
  };
}
