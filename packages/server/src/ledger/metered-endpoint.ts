import type { EndpointPrices } from './cost-engine.js';

/**
 * What the ledger reads of the endpoint that served a generation: the ledger sits below routing,
 * so it names only these fields, and routing's `ModelEndpoint` satisfies them as it is.
 */
export interface MeteredEndpoint {
  /** Stable id: `<provider name>/<upstream model>` (the record's `endpoint_id`). */
  readonly id: string;
  readonly provider: { readonly name: string };
  /** Exact prices for the cost engine (all zero when unpriced). */
  readonly prices: EndpointPrices;
  /** Version of `prices`, stored in the record; null for an endpoint served unpriced. */
  readonly priceVersion: string | null;
  /** Set when the endpoint runs on a key owner's own credential (BYOK): the gateway's fee. */
  readonly byok: { readonly feePpm: bigint } | null;
}
