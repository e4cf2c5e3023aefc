import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CommittedFacts } from '../ledger/ledger.js';
import { usdNumberToPico } from '../ledger/money.js';
import type { GenerationRow } from '../storage/storage.js';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];

/** What the metrics read on each scrape (never stored: always the live value). */
export interface MetricsSources {
  /** Records waiting for or in a ledger commit. */
  ledgerQueueDepth: () => number;
}

/**
 * The gateway's Prometheus metrics, in a registry of its own (no prom-client global state, so
 * two gateways in one process never mix). Labels are routes, methods, statuses and provider
 * names only: never keys, key hashes or anything a client sent verbatim.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly #httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly #httpDuration: Histogram<'method' | 'route'>;
  /**
   * The labelled series of each method, route pattern and status, looked up once: prom-client
   * hashes a label object on every call, which was most of the metrics' cost per request. Bounded:
   * methods, route patterns and statuses are few (never a URL).
   */
  readonly #httpSeries = new Map<
    string,
    {
      requests: Counter.Internal;
      /** Requests counted here and not yet added to `requests` (added on each scrape). */
      uncounted: number;
      duration: Histogram.Internal<'method' | 'route'>;
    }
  >();
  readonly #upstreamRequests: Counter<'provider' | 'status'>;
  readonly #upstreamErrors: Counter<'provider'>;
  readonly #ledgerWrites: Counter;
  readonly #ledgerBatch: Histogram;
  readonly #redisErrors: Counter;
  readonly #costReports: Counter<'provider'>;
  readonly #costDrift: Counter<'provider'>;
  readonly #costDriftUsd: Counter<'provider'>;
  readonly #costCapped: Counter<'provider'>;
  readonly #costCappedUsd: Counter<'provider'>;
  readonly #openStreams: Gauge;
  readonly #loopDelay = monitorEventLoopDelay({ resolution: 20 });

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    this.#httpRequests = new Counter({
      name: 'tollgate_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status.',
      labelNames: ['method', 'route', 'status'],
      registers,
      // Each request adds 1 to its series' `uncounted` (a field, not prom-client's label hashing);
      // the sums go into the counter when it is read.
      collect: () => {
        for (const series of this.#httpSeries.values()) {
          if (series.uncounted === 0) continue;
          series.requests.inc(series.uncounted);
          series.uncounted = 0;
        }
      },
    });
    this.#httpDuration = new Histogram({
      name: 'tollgate_http_request_duration_seconds',
      help: 'Time from request to the end of the response (streams: the whole stream).',
      labelNames: ['method', 'route'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#upstreamRequests = new Counter({
      name: 'tollgate_upstream_requests_total',
      help: 'Upstream attempts of committed generations, by provider and upstream status.',
      labelNames: ['provider', 'status'],
      registers,
    });
    this.#upstreamErrors = new Counter({
      name: 'tollgate_upstream_errors_total',
      help: 'Upstream attempts that failed (no status, or status >= 400), by provider.',
      labelNames: ['provider'],
      registers,
    });
    this.#ledgerWrites = new Counter({
      name: 'tollgate_ledger_writes_total',
      help: 'Generation records durably committed.',
      registers,
    });
    this.#ledgerBatch = new Histogram({
      name: 'tollgate_ledger_batch_size',
      help: 'Records per group-commit batch.',
      buckets: BATCH_BUCKETS,
      registers,
    });
    new Gauge({
      name: 'tollgate_ledger_queue_depth',
      help: 'Records waiting for or in a ledger commit.',
      registers,
      collect() {
        this.set(sources.ledgerQueueDepth());
      },
    });
    this.#openStreams = new Gauge({
      name: 'tollgate_open_streams',
      help: 'Streaming requests (stream: true) in flight.',
      registers,
    });
    this.#redisErrors = new Counter({
      name: 'tollgate_redis_errors_total',
      help: 'Failed Redis commands and connection attempts.',
      registers,
    });
    this.#costReports = new Counter({
      name: 'tollgate_upstream_cost_reports_total',
      help: 'Priced records whose upstream reported a cost of its own (usage.cost), by provider.',
      labelNames: ['provider'],
      registers,
    });
    this.#costDrift = new Counter({
      name: 'tollgate_upstream_cost_drift_total',
      help: "Of those, records where the upstream's cost differs from Tollgate's upstream_inference_cost.",
      labelNames: ['provider'],
      registers,
    });
    this.#costDriftUsd = new Counter({
      name: 'tollgate_upstream_cost_drift_usd_total',
      help: "Σ |upstream's reported cost − Tollgate's upstream_inference_cost|, USD, by provider.",
      labelNames: ['provider'],
      registers,
    });
    this.#costCapped = new Counter({
      name: 'tollgate_cost_capped_total',
      help: "Records charged at their spend hold's bound because the upstream reported more usage than the request could cost (cost_capped), by provider.",
      labelNames: ['provider'],
      registers,
    });
    this.#costCappedUsd = new Counter({
      name: 'tollgate_cost_capped_usd_total',
      help: 'Σ (uncapped_cost − usage) of those records, USD, by provider: what was not charged.',
      labelNames: ['provider'],
      registers,
    });
    this.#registerLoopDelay();
  }

  #registerLoopDelay(): void {
    const histogram = this.#loopDelay;
    histogram.enable();
    const registers = [this.registry];
    const seconds = (nanoseconds: number) => (Number.isFinite(nanoseconds) ? nanoseconds / 1e9 : 0);
    new Gauge({
      name: 'tollgate_event_loop_lag_seconds',
      help: 'Event-loop delay since the previous scrape, by quantile (monitorEventLoopDelay).',
      labelNames: ['quantile'],
      registers,
      collect() {
        this.set({ quantile: '0.5' }, seconds(histogram.percentile(50)));
        this.set({ quantile: '0.99' }, seconds(histogram.percentile(99)));
        this.set({ quantile: '1' }, seconds(histogram.max));
        histogram.reset();
      },
    });
  }

  /** Counts one answered HTTP request. */
  observeHttp(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${route} ${status}`;
    let series = this.#httpSeries.get(key);
    if (series === undefined) {
      series = {
        requests: this.#httpRequests.labels(method, route, String(status)),
        uncounted: 0,
        duration: this.#httpDuration.labels(method, route),
      };
      this.#httpSeries.set(key, series);
    }
    series.uncounted += 1;
    series.duration.observe(seconds);
  }

  /** A streaming request started (+1) or ended (-1). */
  streamOpened(delta: 1 | -1): void {
    this.#openStreams.inc(delta);
  }

  /** Counts one failed Redis command or connection attempt. */
  redisError(): void {
    this.#redisErrors.inc();
  }

  /** Counts a group-commit batch of `size` records. */
  ledgerBatch(size: number): void {
    this.#ledgerBatch.observe(size);
  }

  /** Counts a committed record and its upstream attempts. */
  generationCommitted(row: GenerationRow, facts: CommittedFacts): void {
    this.#ledgerWrites.inc();
    this.#countCostDrift(row, facts.upstreamReportedCost);
    this.#countCapped(row, facts.uncappedCost);
    for (const attempt of facts.providerResponses) {
      const provider =
        typeof attempt.provider_name === 'string' ? attempt.provider_name : 'unknown';
      const status = typeof attempt.status === 'number' ? attempt.status : null;
      this.#upstreamRequests.inc({ provider, status: status === null ? 'none' : String(status) });
      if (status === null || status >= 400) this.#upstreamErrors.inc({ provider });
    }
  }

  /**
   * Compares an upstream's own cost report with ours, exactly (both in pico-USD). Only priced
   * records count: an unpriced record has no cost of ours to drift from.
   */
  #countCostDrift(row: GenerationRow, reported: number | null): void {
    if (typeof reported !== 'number' || !Number.isFinite(reported)) return;
    if (row.upstreamCostPico === null) return;
    const provider = row.providerName ?? 'unknown';
    this.#costReports.inc({ provider });
    const drift = usdNumberToPico(reported) - row.upstreamCostPico;
    if (drift === 0n) return;
    this.#costDrift.inc({ provider });
    this.#costDriftUsd.inc({ provider }, Number(drift < 0n ? -drift : drift) / 1e12);
  }

  /** Counts a record whose charge was capped at its hold's bound (`uncapped_cost` is then set). */
  #countCapped(row: GenerationRow, uncapped: number | null): void {
    if (typeof uncapped !== 'number' || !Number.isFinite(uncapped)) return;
    const provider = row.providerName ?? 'unknown';
    this.#costCapped.inc({ provider });
    const waived = usdNumberToPico(uncapped) - row.usagePico;
    if (waived > 0n) this.#costCappedUsd.inc({ provider }, Number(waived) / 1e12);
  }

  /** The exposition text and its content type. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /** Stops the event-loop monitor. */
  close(): void {
    this.#loopDelay.disable();
  }
}
