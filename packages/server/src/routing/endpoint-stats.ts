/** Live figures of one endpoint, smoothed over recent requests. */
export interface EndpointSnapshot {
  requests: number;
  failures: number;
  /** Exponentially weighted mean ms to first token; null before the first success. */
  latencyMs: number | null;
  /** Exponentially weighted completion tokens per second; null before the first success. */
  throughput: number | null;
  /** Weighted share of recent attempts that failed, 0..1. */
  errorRate: number;
}

const WEIGHT = 0.2;
const smooth = (previous: number | null, sample: number): number =>
  previous === null ? sample : previous + WEIGHT * (sample - previous);

/** In-memory statistics per endpoint, for `provider.sort` and the endpoints listing. */
export class EndpointStats {
  readonly #byEndpoint = new Map<string, EndpointSnapshot>();

  #entry(endpointId: string): EndpointSnapshot {
    let entry = this.#byEndpoint.get(endpointId);
    if (entry === undefined) {
      entry = { requests: 0, failures: 0, latencyMs: null, throughput: null, errorRate: 0 };
      this.#byEndpoint.set(endpointId, entry);
    }
    return entry;
  }

  /** A successful attempt: latency to first token and generation throughput when known. */
  recordSuccess(endpointId: string, latencyMs: number | null, throughput: number | null): void {
    const entry = this.#entry(endpointId);
    entry.requests += 1;
    entry.errorRate = smooth(entry.errorRate, 0);
    if (latencyMs !== null) entry.latencyMs = smooth(entry.latencyMs, latencyMs);
    if (throughput !== null && Number.isFinite(throughput)) {
      entry.throughput = smooth(entry.throughput, throughput);
    }
  }

  /** A failed attempt. */
  recordFailure(endpointId: string): void {
    const entry = this.#entry(endpointId);
    entry.requests += 1;
    entry.failures += 1;
    entry.errorRate = smooth(entry.errorRate, 1);
  }

  /** The figures of an endpoint (zeros and nulls when it has served nothing yet). */
  get(endpointId: string): EndpointSnapshot {
    return { ...this.#entry(endpointId) };
  }
}
