import { type ConfigFile, UNPRICED } from '../config/config-schema.js';
import { formatPath } from '../config/format-issues.js';
import { ConfigError } from '../config/load-config.js';
import { catalogKeyOf, findEndpointPrice } from './resolve-endpoint-price.js';

/**
 * Refuses a config with an endpoint that has neither `pricing` nor a price in the price catalog
 * (no silent $0), one line per such endpoint, in the form of the config's schema errors:
 * `<source> is invalid:\n  - models[0].endpoints[0]: no price for …`. Applied after parsing,
 * since the config layer knows no catalog (docs/decisions/0026-layers-and-settings.md).
 */
export function assertCatalogPrices(config: ConfigFile, source: string): void {
  const lines: string[] = [];
  config.models.forEach((model, modelIndex) => {
    model.endpoints.forEach((endpoint, endpointIndex) => {
      if (endpoint.pricing !== undefined) return;
      const kind = config.providers.find((provider) => provider.name === endpoint.provider)?.kind;
      // The schema has refused an endpoint of an undeclared provider.
      if (kind === undefined || findEndpointPrice(endpoint, kind) !== undefined) return;
      const key = catalogKeyOf(endpoint, kind);
      const path = formatPath(['models', modelIndex, 'endpoints', endpointIndex]);
      lines.push(
        `  - ${path}: no price for ${key.provider}/${key.model} in the price catalog ${key.version}; ` +
          `set pricing (USD per token), price.model to a catalog entry, or pricing: ${UNPRICED}`,
      );
    });
  });
  if (lines.length > 0) throw new ConfigError(`${source} is invalid:\n${lines.join('\n')}`);
}
