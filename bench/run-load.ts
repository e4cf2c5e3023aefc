import autocannon from 'autocannon';
import { startCpuMeter } from './cpu-meter.js';
import { percentile } from './stats.js';

/** One HTTP request shape a load run repeats (cycled in order when several). */
export interface LoadRequest {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** A bounded load run against one target. */
export interface LoadSpec {
  origin: string;
  requests: readonly LoadRequest[];
  connections: number;
  seconds: number;
  /** The process whose CPU is the target's (the gateway, or the upstream for `direct`). */
  serverPid: number;
  /** Processes sharing the load core with this generator (the fake upstream). */
  loadCorePids: readonly number[];
}

/** What one load run measured. */
export interface LoadResult {
  requestsPerSecond: number;
  /** Latency percentiles in milliseconds (full response, 2xx only). */
  p50: number;
  p90: number;
  p99: number;
  /** Fraction of one core the target process used (1 = a full core). */
  serverCpu: number;
  /** Fraction of one core used on the load core (this generator plus `loadCorePids`). */
  loadCpu: number;
  /** Cores' worth of CPU used by anything else meanwhile (see CpuUsage.other). */
  otherCpu: number;
  responses: number;
  non2xx: number;
  errors: number;
}

let current: autocannon.Instance | null = null;

/** Stops the load run in progress, if any (SIGINT). */
export function stopCurrentLoad(): void {
  current?.stop();
}

/**
 * Runs autocannon for `spec.seconds`. Latencies are taken from each response event (autocannon's
 * own histogram keeps whole milliseconds, too coarse for one connection on loopback).
 */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const latencies: number[] = [];
  let non2xx = 0;
  const stopMeter = startCpuMeter(spec.serverPid, spec.loadCorePids);
  const started = process.hrtime.bigint();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.origin,
        connections: spec.connections,
        duration: spec.seconds,
        timeout: 10,
        requests: spec.requests.map((request) => ({ ...request })),
      },
      (error: unknown, outcome) => (error ? reject(error) : resolve(outcome)),
    );
    current = instance;
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
      else non2xx += 1;
    });
  }).finally(() => {
    current = null;
  });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = stopMeter();
  latencies.sort((left, right) => left - right);
  return {
    requestsPerSecond: latencies.length / elapsed,
    p50: percentile(latencies, 0.5),
    p90: percentile(latencies, 0.9),
    p99: percentile(latencies, 0.99),
    serverCpu: cpu.server,
    loadCpu: cpu.load,
    otherCpu: cpu.other,
    responses: latencies.length + non2xx,
    non2xx: Math.max(non2xx, result.non2xx),
    errors: result.errors,
  };
}
