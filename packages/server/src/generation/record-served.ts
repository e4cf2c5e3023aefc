import type { FinishedGeneration } from '../ledger/generation-record.js';
import type { EndpointStats } from '../routing/endpoint-stats.js';
import type { Candidate } from '../routing/select-candidates.js';

/** Feeds a served generation's latency and throughput into the endpoint statistics. */
export function recordServed(
  stats: EndpointStats,
  candidate: Candidate,
  finished: FinishedGeneration,
): void {
  const {
    latency,
    generation_time: generationTime,
    native_tokens_completion: tokens,
    api_type: apiType,
  } = finished.record;
  // Embeddings produce no tokens: they say nothing about an endpoint's throughput.
  const throughput =
    apiType !== 'embeddings' && generationTime !== null && generationTime > 0 && tokens !== null
      ? (tokens * 1000) / generationTime
      : null;
  stats.recordSuccess(candidate.endpoint.id, latency, throughput);
}
