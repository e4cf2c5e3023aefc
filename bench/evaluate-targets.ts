import type { DurableWrites } from './durable-writes.js';
import type { MemoryScenario, ScenarioId, SuiteResult } from './run-suite.js';
import { summarizeLoad, summarizeRatios } from './summarize-results.js';

/** One target of issue 9: the measured value against its bar. */
export interface TargetCheck {
  target: string;
  /** Measured value as printed (— when the scenario did not run). */
  measured: string;
  bar: string;
  /** null: not measured in this run. */
  met: boolean | null;
  /** Where the figure comes from. */
  source: string;
}

const times = (value: number) => `${value.toFixed(2)}×`;

function ratioOf(result: SuiteResult, id: ScenarioId, target: string) {
  const scenario = result.scenarios.find((candidate) => candidate.id === id);
  if (scenario === undefined) return undefined;
  return summarizeRatios({ ...result, scenarios: [scenario] }).find(
    (ratio) => ratio.target === target,
  );
}

function check(
  target: string,
  value: number | undefined,
  bar: string,
  met: (value: number) => boolean,
  show: (value: number) => string,
  source: string,
): TargetCheck {
  if (value === undefined || !Number.isFinite(value)) {
    return { target, measured: '—', bar, met: null, source };
  }
  return { target, measured: show(value), bar, met: met(value), source };
}

/** Median bytes per open stream of one target of the memory scenario. */
/**
 * Memory per open stream: the LARGEST of the repetitions. A repetition after the first runs in a
 * heap already grown by the one before, so its RSS barely moves and a median understates the cost.
 */
export function memoryPerStream(memory: MemoryScenario | null, name: string): number {
  const runs = memory?.runs.get(name) ?? [];
  return runs.length === 0 ? Number.NaN : Math.max(...runs.map((run) => run.bytesPerStream));
}

/** Issue 19's durable-write bars: each backend at both durability levels (decision 0023). */
const DURABLE_WRITE_TARGETS = [
  ['sqlite', 'power', 'SQLite', 20_000],
  ['sqlite', 'process', 'SQLite', 20_000],
  ['postgres', 'power', 'PostgreSQL', 10_000],
  ['postgres', 'process', 'PostgreSQL', 10_000],
] as const;

/** The best durable-writes rate of a backend (over the concurrencies tried). */
export function bestWrites(writes: readonly DurableWrites[] | null, backend: string): number {
  const found = writes?.find((entry) => entry.backend === backend);
  if (found === undefined) return Number.NaN;
  return Math.max(...found.writes.map((write) => write.perSecond));
}

/** Every target of issue 9 with this run's figure, its bar, and whether it is met. */
export function evaluateTargets(result: SuiteResult): TargetCheck[] {
  const chat64 = ratioOf(result, 'chat-c64', 'Tollgate');
  const chat1 = ratioOf(result, 'chat-c1', 'Tollgate');
  const stream64 = ratioOf(result, 'stream-c64', 'Tollgate');
  const lookup64 = ratioOf(result, 'lookup-c64', 'Tollgate');
  const lookup1 = result.scenarios.find((scenario) => scenario.id === 'lookup-c1');
  const lookupP99 =
    lookup1?.kind === 'load'
      ? summarizeLoad(lookup1).find((summary) => summary.target.role === 'tollgate')?.p99
      : undefined;
  const rows = result.store?.rows;
  const onStore = rows === undefined ? '' : ` on ${rows.toLocaleString('en-US')} rows`;
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
  const perSecond = (value: number) => `${Math.round(value).toLocaleString('en-US')}/s`;
  const openStreams = [...(result.memory?.runs.values() ?? [])].flat()[0]?.streams;
  const addedRatio =
    chat1 === undefined ? undefined : chat1.addedP50 / Math.max(chat1.referenceAddedP50, 0.001);
  return [
    check(
      'Non-stream throughput at 64 connections vs the raw proxy',
      chat64?.throughput,
      '≥ 0.60×',
      (value) => value >= 0.6,
      times,
      'chat, 64 connections: Tollgate / raw proxy req/s',
    ),
    check(
      'Added p50 latency at 1 connection vs the raw proxy’s',
      addedRatio,
      '≤ 1.50×',
      (value) => value <= 1.5,
      (value) =>
        `${times(value)} (+${chat1?.addedP50.toFixed(2)} ms vs +${chat1?.referenceAddedP50.toFixed(2)} ms)`,
      'chat, 1 connection: p50 added vs direct, Tollgate / raw proxy',
    ),
    check(
      'Stream throughput (64 connections) vs the raw proxy',
      stream64?.throughput,
      '≥ 0.60×',
      (value) => value >= 0.6,
      times,
      'stream, 64 connections: Tollgate / raw proxy req/s',
    ),
    check(
      `GET /generation throughput vs the bare server${onStore}`,
      lookup64?.throughput,
      '≥ 0.50×',
      (value) => value >= 0.5,
      times,
      'GET /generation, 64 connections: Tollgate / bare server req/s',
    ),
    check(
      `GET /generation p99 latency${onStore}`,
      lookupP99,
      '≤ 2 ms',
      (value) => value <= 2,
      (value) => `${value.toFixed(2)} ms`,
      'GET /generation, 1 connection: Tollgate p99',
    ),
    ...DURABLE_WRITE_TARGETS.map(([backend, level, name, bar]) =>
      check(
        `Durable generation writes, ${name}, durability ${level}`,
        bestWrites(result.durableWrites, `${backend} ${level}`),
        `≥ ${bar.toLocaleString('en-US')}/s`,
        (value) => value >= bar,
        perSecond,
        `bench/storage-bench.ts through the ledger (best concurrency${backend === 'postgres' ? '; needs --postgres' : ''})`,
      ),
    ),
    check(
      `Memory per open stream${openStreams === undefined ? '' : ` (${openStreams.toLocaleString('en-US')} open at once)`}`,
      memoryPerStream(result.memory, 'Tollgate'),
      '≤ 64 KiB',
      (value) => value <= 64 * 1024,
      kib,
      'RSS of the Tollgate process with the streams open − before, ÷ streams',
    ),
  ];
}
