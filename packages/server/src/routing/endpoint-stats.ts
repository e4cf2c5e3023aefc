import { SampleRing } from './sample-ring.js';

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

/** Percentiles of recent samples. */
export interface Percentiles {
  p50: number;
  p75: number;
  p90: number;
  p99: number;
}

/** Uptime and performance over recent windows, as the endpoints listing reports them. */
export interface EndpointWindows {
  uptimeLast5m: number | null;
  uptimeLast30m: number | null;
  uptimeLast1d: number | null;
  latencyLast30m: Percentiles | null;
  throughputLast30m: Percentiles | null;
}

const MINUTE_MS = 60_000;
const DAY_MS = 1_440 * MINUTE_MS;
/** Samples kept per endpoint (the oldest go first); bounds memory whatever the traffic. */
const MAX_SAMPLES = 4096;

function percentiles(values: number[]): Percentiles | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((left, right) => left - right);
  const at = (fraction: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] as number;
  return { p50: at(0.5), p75: at(0.75), p90: at(0.9), p99: at(0.99) };
}

/**
 * In-memory statistics per endpoint (this node only): smoothed figures for `provider.sort`,
 * and windowed uptime and percentiles over the last samples for the endpoints listing.
 */
export class EndpointStats {
  readonly #byEndpoint = new Map<string, EndpointSnapshot>();
  readonly #samples = new Map<string, SampleRing>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  #sample(endpointId: string, ok: boolean, latencyMs: number | null, throughput: number | null) {
    let samples = this.#samples.get(endpointId);
    if (samples === undefined) {
      samples = new SampleRing(MAX_SAMPLES);
      this.#samples.set(endpointId, samples);
    }
    samples.push(this.#now(), ok, latencyMs, throughput);
  }

  /** Uptime (percent of attempts that succeeded) and percentiles over recent windows. */
  windows(endpointId: string): EndpointWindows {
    const nowMs = this.#now();
    const samples = this.#samples.get(endpointId)?.since(nowMs - DAY_MS) ?? [];
    const uptime = (windowMs: number) => {
      const recent = samples.filter((sample) => sample.atMs > nowMs - windowMs);
      if (recent.length === 0) return null;
      return (100 * recent.filter((sample) => sample.ok).length) / recent.length;
    };
    const last30m = samples.filter((sample) => sample.ok && sample.atMs > nowMs - 30 * MINUTE_MS);
    return {
      uptimeLast5m: uptime(5 * MINUTE_MS),
      uptimeLast30m: uptime(30 * MINUTE_MS),
      uptimeLast1d: uptime(DAY_MS),
      latencyLast30m: percentiles(
        last30m.flatMap((sample) => (sample.latencyMs === null ? [] : [sample.latencyMs])),
      ),
      throughputLast30m: percentiles(
        last30m.flatMap((sample) => (sample.throughput === null ? [] : [sample.throughput])),
      ),
    };
  }

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
    const usable = throughput !== null && Number.isFinite(throughput) ? throughput : null;
    this.#sample(endpointId, true, latencyMs, usable);
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
    this.#sample(endpointId, false, null, null);
    entry.requests += 1;
    entry.failures += 1;
    entry.errorRate = smooth(entry.errorRate, 1);
  }

  /** The figures of an endpoint (zeros and nulls when it has served nothing yet). */
  get(endpointId: string): EndpointSnapshot {
    return { ...this.#entry(endpointId) };
  }
}
