import type { GenerationRow } from './storage.js';

/** The `generations` columns a record's insert writes, in one order for both dialects. */
export const GENERATION_COLUMNS = [
  'id',
  'key_hash',
  'request_id',
  'created_at',
  'model',
  'provider_name',
  'api_type',
  'is_byok',
  'cancelled',
  'usage_pico',
  'total_cost_pico',
  'upstream_cost_pico',
  'record_version',
  'external_user',
  'session_id',
  'outcome',
  'record',
] as const;

/** A record's `generations` values, in {@link GENERATION_COLUMNS} order. */
export function generationValues(row: GenerationRow): unknown[] {
  return [
    row.id,
    row.keyHash,
    row.requestId,
    row.createdAt,
    row.model,
    row.providerName,
    row.apiType,
    row.isByok ? 1 : 0,
    row.cancelled ? 1 : 0,
    row.usagePico,
    row.totalCostPico,
    row.upstreamCostPico,
    row.recordVersion,
    row.externalUser,
    row.sessionId,
    row.outcome,
    row.record,
  ];
}
