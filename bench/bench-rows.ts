import type { GenerationRow } from '../packages/server/src/storage/storage.js';

/**
 * A finished generation's row as the benches write it: one model and endpoint, a fixed charge
 * and token counts; the id, key, time and record (and anything else) come from `row`.
 */
export function benchGenerationRow(
  row: Pick<GenerationRow, 'id' | 'keyHash' | 'createdAt' | 'record'> & Partial<GenerationRow>,
): GenerationRow {
  return {
    requestId: `req-${row.id}`,
    model: 'acme/fast-1',
    providerName: 'Acme',
    apiType: 'completions',
    isByok: false,
    cancelled: false,
    usagePico: 161_000_000n,
    totalCostPico: 161_000_000n,
    upstreamCostPico: null,
    recordVersion: 1,
    endpointId: 'Acme/fast-1',
    externalUser: null,
    sessionId: null,
    outcome: 'ok',
    promptTokens: 5,
    completionTokens: 78,
    reasoningTokens: 0,
    content: null,
    ...row,
  };
}
