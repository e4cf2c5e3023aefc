import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EndpointStats } from '../../src/routing/endpoint-stats.js';

const MINUTE_MS = 60_000;

describe('EndpointStats windows', () => {
  test('uptime and percentiles cover the recent samples of each window', () => {
    let nowMs = 1_000 * MINUTE_MS;
    const stats = new EndpointStats(() => nowMs);
    // An hour ago: one failure (outside the 30- and 5-minute windows).
    nowMs -= 60 * MINUTE_MS;
    stats.recordFailure('a');
    nowMs += 50 * MINUTE_MS;
    // Ten minutes ago: successes with latencies 10..40.
    for (const latency of [10, 20, 30, 40]) stats.recordSuccess('a', latency, latency * 2);
    nowMs += 9 * MINUTE_MS;
    // A minute ago: a failure and a success without a latency.
    stats.recordFailure('a');
    stats.recordSuccess('a', null, null);
    nowMs += MINUTE_MS;
    const windows = stats.windows('a');
    assert.equal(windows.uptimeLast5m, 50);
    assert.equal(windows.uptimeLast30m, (100 * 5) / 6);
    assert.equal(windows.uptimeLast1d, (100 * 5) / 7);
    assert.deepEqual(windows.latencyLast30m, { p50: 30, p75: 40, p90: 40, p99: 40 });
    assert.deepEqual(windows.throughputLast30m, { p50: 60, p75: 80, p90: 80, p99: 80 });
    assert.deepEqual(stats.windows('unknown'), {
      uptimeLast5m: null,
      uptimeLast30m: null,
      uptimeLast1d: null,
      latencyLast30m: null,
      throughputLast30m: null,
    });
  });

  test('keeps the newest 4,096 samples once the ring wraps around', () => {
    const nowMs = 1_000 * MINUTE_MS;
    const stats = new EndpointStats(() => nowMs);
    // 1,000 failures, then 4,096 successes with latencies 1..4096 (the failures fall out), then
    // 2,048 more failures: the ring holds successes 2049..4096 and the 2,048 new failures.
    for (let index = 0; index < 1_000; index += 1) stats.recordFailure('a');
    for (let latency = 1; latency <= 4_096; latency += 1) stats.recordSuccess('a', latency, null);
    assert.equal(stats.windows('a').uptimeLast5m, 100);
    assert.equal(stats.windows('a').latencyLast30m?.p50, 2_049);
    for (let index = 0; index < 2_048; index += 1) stats.recordFailure('a');
    const windows = stats.windows('a');
    assert.equal(windows.uptimeLast5m, 50);
    assert.deepEqual(windows.latencyLast30m, {
      p50: 2_049 + 1_024,
      p75: 2_049 + 1_536,
      p90: 2_049 + Math.floor(0.9 * 2_048),
      p99: 2_049 + Math.floor(0.99 * 2_048),
    });
    assert.equal(windows.throughputLast30m, null);
    // The smoothed figures count every attempt, not only the kept ones.
    assert.equal(stats.get('a').requests, 1_000 + 4_096 + 2_048);
    assert.equal(stats.get('a').failures, 3_048);
  });
});
