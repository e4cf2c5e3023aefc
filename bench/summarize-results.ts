import type { LoadResult } from './run-load.js';
import type { ScenarioResult, SuiteResult } from './run-suite.js';
import { median } from './stats.js';
import type { Target } from './targets.js';

/** Medians over the repetitions of one target in one load scenario. */
export interface LoadSummary {
  target: Target;
  requestsPerSecond: number;
  perCore: number;
  serverCpu: number;
  loadCpu: number;
  otherCpu: number;
  p50: number;
  p90: number;
  p99: number;
  /** Median over reps of (this p50 − direct's p50); NaN without a direct run. */
  addedP50: number;
  non2xx: number;
  errors: number;
}

/** Medians of per-repetition ratios of a target to its scenario's reference. */
export interface RatioSummary {
  scenario: string;
  target: string;
  reference: string;
  throughput: number;
  perCore: number;
  p99: number;
  addedP50: number;
  referenceAddedP50: number;
}

const perCore = (result: LoadResult) => result.requestsPerSecond / result.serverCpu;

function medianOf(results: readonly LoadResult[], pick: (result: LoadResult) => number): number {
  return median(results.map(pick));
}

function pairwise(
  results: readonly LoadResult[],
  others: readonly LoadResult[],
  combine: (result: LoadResult, other: LoadResult) => number,
): number {
  return median(
    results.flatMap((result, rep) => {
      const other = others[rep];
      return other === undefined ? [] : [combine(result, other)];
    }),
  );
}

/** Per-target medians of a load scenario. */
export function summarizeLoad(scenario: ScenarioResult & { kind: 'load' }): LoadSummary[] {
  const direct = scenario.targets.find((target) => target.role === 'direct');
  const directRuns = direct === undefined ? [] : (scenario.runs.get(direct.name) ?? []);
  return scenario.targets.map((target) => {
    const runs = scenario.runs.get(target.name) ?? [];
    return {
      target,
      requestsPerSecond: medianOf(runs, (result) => result.requestsPerSecond),
      perCore: medianOf(runs, perCore),
      serverCpu: medianOf(runs, (result) => result.serverCpu),
      loadCpu: medianOf(runs, (result) => result.loadCpu),
      otherCpu: medianOf(runs, (result) => result.otherCpu),
      p50: medianOf(runs, (result) => result.p50),
      p90: medianOf(runs, (result) => result.p90),
      p99: medianOf(runs, (result) => result.p99),
      addedP50:
        target.role === 'direct' ? Number.NaN : pairwise(runs, directRuns, (a, b) => a.p50 - b.p50),
      non2xx: runs.reduce((sum, result) => sum + result.non2xx, 0),
      errors: runs.reduce((sum, result) => sum + result.errors, 0),
    };
  });
}

function ratioSummary(
  scenario: ScenarioResult & { kind: 'load' },
  target: Target,
  reference: Target,
): RatioSummary {
  const direct = scenario.targets.find((candidate) => candidate.role === 'direct');
  const runs = scenario.runs.get(target.name) ?? [];
  const referenceRuns = scenario.runs.get(reference.name) ?? [];
  const directRuns = direct === undefined ? [] : (scenario.runs.get(direct.name) ?? []);
  return {
    scenario: scenario.title,
    target: target.name,
    reference: reference.name,
    throughput: pairwise(runs, referenceRuns, (a, b) => a.requestsPerSecond / b.requestsPerSecond),
    perCore: pairwise(runs, referenceRuns, (a, b) => perCore(a) / perCore(b)),
    p99: pairwise(runs, referenceRuns, (a, b) => a.p99 / b.p99),
    addedP50: pairwise(runs, directRuns, (a, b) => a.p50 - b.p50),
    referenceAddedP50: pairwise(referenceRuns, directRuns, (a, b) => a.p50 - b.p50),
  };
}

/**
 * Ratios of each Tollgate (one per durability level) and peers to the raw proxy (or of Tollgate
 * to the bare server for lookups), then of each Tollgate to each peer gateway.
 */
export function summarizeRatios(result: SuiteResult): RatioSummary[] {
  const ratios: RatioSummary[] = [];
  for (const scenario of result.scenarios) {
    if (scenario.kind !== 'load') continue;
    const reference = scenario.targets.find(
      (target) => target.role === 'raw-proxy' || target.role === 'bare-lookup',
    );
    if (reference === undefined) continue;
    for (const target of scenario.targets) {
      if (target.role !== 'tollgate' && target.role !== 'peer') continue;
      ratios.push(ratioSummary(scenario, target, reference));
    }
    for (const tollgate of scenario.targets.filter((target) => target.role === 'tollgate')) {
      for (const peer of scenario.targets.filter((target) => target.role === 'peer')) {
        ratios.push(ratioSummary(scenario, tollgate, peer));
      }
    }
  }
  return ratios;
}

/** Problems a reader must see: failed responses, and gateways not saturated at 64 connections. */
export function findIssues(result: SuiteResult): string[] {
  const issues: string[] = [];
  for (const [name, runs] of result.memory?.runs ?? []) {
    const failures = runs.reduce((sum, run) => sum + run.failures, 0);
    if (failures > 0) issues.push(`open streams: ${name} had ${failures} failed streams`);
  }
  if (result.durableWritesError !== null) {
    issues.push(`durable writes not measured: ${result.durableWritesError}`);
  }
  for (const scenario of result.scenarios) {
    if (scenario.repeated > 0) {
      issues.push(
        `${scenario.title}: ${scenario.repeated} repetition(s) discarded and run again because ` +
          'other processes were using the machine',
      );
    }
    const kept: Array<{ otherCpu: number }> = [...scenario.runs.values()].flat();
    const noisy = kept.filter((run) => run.otherCpu > 0.25).length;
    if (noisy > 0) {
      issues.push(
        `${scenario.title}: ${noisy} of ${kept.length} kept runs had other processes using more ` +
          'than 25% of a core (noisy)',
      );
    }
    if (scenario.kind === 'first-token') {
      for (const [name, runs] of scenario.runs) {
        const failures = runs.reduce((sum, run) => sum + run.failures, 0);
        if (failures > 0) issues.push(`${scenario.title}: ${name} had ${failures} failed streams`);
      }
      continue;
    }
    for (const summary of summarizeLoad(scenario)) {
      const name = `${scenario.title}: ${summary.target.name}`;
      if (summary.non2xx + summary.errors > 0) {
        issues.push(`${name}: ${summary.non2xx} non-2xx responses, ${summary.errors} errors`);
      }
      const underTest = summary.target.role !== 'direct';
      if (underTest && scenario.id.endsWith('c64') && summary.serverCpu < 0.85) {
        issues.push(`${name}: ${explainUnsaturated(summary)}`);
      }
    }
  }
  return issues;
}

const percent = (value: number) => `${Math.round(value * 100)}%`;

function explainUnsaturated(summary: LoadSummary): string {
  const busy = `server core only ${percent(summary.serverCpu)} busy`;
  if (summary.otherCpu > 0.2) {
    return `${busy}; other processes used ${percent(summary.otherCpu)} of a core meanwhile (machine not quiet)`;
  }
  if (summary.loadCpu > 0.85)
    return `${busy}; the load core was saturated (${percent(summary.loadCpu)})`;
  return `${busy}, load core ${percent(summary.loadCpu)}: neither saturated (waiting, not computing)`;
}
