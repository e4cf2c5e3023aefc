import type { DurabilityLevel, DurableWrites } from './durable-writes.js';
import type { FsyncResult } from './measure-fsync.js';
import {
  DURABILITY_LEVELS,
  type MemoryScenario,
  type ScenarioId,
  type SuiteResult,
} from './run-suite.js';
import { tollgateName } from './start-tollgate.js';
import { median } from './stats.js';
import { summarizeLoad, summarizeRatios } from './summarize-results.js';

/** One target of issue 19 (or issue 9): the measured value against its bar. */
export interface TargetCheck {
  /** The issue whose bar this is. */
  issue: number;
  target: string;
  /** Measured value as printed (— when the scenario did not run). */
  measured: string;
  bar: string;
  /** null: not measured in this run (or not under the bar's conditions). */
  met: boolean | null;
  /** Where the figure comes from. */
  source: string;
}

/** Rows the lookup p99 bar is set at (issue 19: `npm run bench -- --long`). */
export const LOOKUP_BAR_ROWS = 10_000_000;

/** The first stream after start may take at most this many times the next ten's median. */
export const FIRST_STREAM_FACTOR = 10;

const times = (value: number) => `${value.toFixed(2)}×`;
const ms = (value: number) => `${value.toFixed(2)} ms`;
const signedMs = (value: number) => `${value >= 0 ? '+' : ''}${value.toFixed(2)} ms`;

function ratioOf(result: SuiteResult, id: ScenarioId, target: string) {
  const scenario = result.scenarios.find((candidate) => candidate.id === id);
  if (scenario === undefined) return undefined;
  // The first ratio of a target is the one to its scenario's reference (raw proxy, bare server).
  return summarizeRatios({ ...result, scenarios: [scenario] }).find(
    (ratio) => ratio.target === target,
  );
}

function check(
  fields: Omit<TargetCheck, 'measured' | 'met'>,
  value: number | undefined,
  met: (value: number) => boolean,
  show: (value: number) => string,
): TargetCheck {
  if (value === undefined || !Number.isFinite(value)) {
    return { ...fields, measured: '—', met: null };
  }
  return { ...fields, measured: show(value), met: met(value) };
}

/**
 * Memory per open stream: the LARGEST of the repetitions. A repetition after the first runs in a
 * heap already grown by the one before, so its RSS barely moves and a median understates the cost.
 */
export function memoryPerStream(memory: MemoryScenario | null, name: string): number {
  const runs = memory?.runs.get(name) ?? [];
  return runs.length === 0 ? Number.NaN : Math.max(...runs.map((run) => run.bytesPerStream));
}

/** The best durable-writes rate of a backend at a level (over the concurrencies tried). */
export function bestWrites(
  writes: readonly DurableWrites[] | null,
  backend: string,
  durability: DurabilityLevel,
): number {
  const found = writes?.find(
    (entry) => entry.backend === backend && entry.durability === durability,
  );
  if (found === undefined) return Number.NaN;
  return Math.max(...found.writes.map((write) => write.perSecond));
}

/**
 * Median over repetitions of (`name`'s time to first token p50 − the raw proxy's), both taken in
 * the same repetition; with each one's own added time vs direct for the report.
 */
function firstTokenAdded(result: SuiteResult, name: string) {
  const scenario = result.scenarios.find((candidate) => candidate.kind === 'first-token');
  if (scenario?.kind !== 'first-token') return undefined;
  const byRole = (role: string) =>
    scenario.runs.get(scenario.targets.find((target) => target.role === role)?.name ?? '') ?? [];
  const direct = byRole('direct');
  const proxy = byRole('raw-proxy');
  const runs = scenario.runs.get(name) ?? [];
  const perRep = (
    left: readonly { firstTokenP50: number }[],
    right: readonly { firstTokenP50: number }[],
  ) =>
    median(
      left.flatMap((run, rep) => {
        const other = right[rep];
        return other === undefined ? [] : [run.firstTokenP50 - other.firstTokenP50];
      }),
    );
  return {
    overProxy: perRep(runs, proxy),
    added: perRep(runs, direct),
    proxyAdded: perRep(proxy, direct),
  };
}

function levelChecks(
  result: SuiteResult,
  durability: DurabilityLevel,
  fsync: FsyncResult | null,
): TargetCheck[] {
  const name = tollgateName(durability);
  const chat64 = ratioOf(result, 'chat-c64', name);
  const chat1 = ratioOf(result, 'chat-c1', name);
  const stream64 = ratioOf(result, 'stream-c64', name);
  const firstToken = firstTokenAdded(result, name);
  const first = result.firstStreams.get(name);
  const chunks = result.scenarios.find((scenario) => scenario.id === 'stream-c64')?.title;
  const latency: TargetCheck =
    durability === 'power'
      ? check(
          {
            issue: 19,
            target: `Added p50 at 1 connection (${durability})`,
            bar: `≤ the raw proxy’s + one fsync (${fsync === null ? '—' : ms(fsync.medianMs)} measured)`,
            source:
              'chat, 1 connection: p50 − direct’s, per repetition; fsync: write + fdatasync median',
          },
          chat1 === undefined || fsync === null
            ? undefined
            : chat1.addedP50 - chat1.referenceAddedP50 - fsync.medianMs,
          (value) => value <= 0,
          () =>
            `${signedMs(chat1?.addedP50 ?? Number.NaN)} vs raw ${signedMs(chat1?.referenceAddedP50 ?? Number.NaN)} + fsync ${ms(fsync?.medianMs ?? Number.NaN)}`,
        )
      : check(
          {
            issue: 19,
            target: `Added p50 at 1 connection (${durability})`,
            bar: '≤ 1.50× the raw proxy’s',
            source: 'chat, 1 connection: p50 − direct’s, Tollgate / raw proxy',
          },
          chat1 === undefined
            ? undefined
            : chat1.addedP50 / Math.max(chat1.referenceAddedP50, 0.001),
          (value) => value <= 1.5,
          (value) =>
            `${times(value)} (${signedMs(chat1?.addedP50 ?? Number.NaN)} vs ${signedMs(chat1?.referenceAddedP50 ?? Number.NaN)})`,
        );
  return [
    check(
      {
        issue: 19,
        target: `Non-stream req/s at 64 connections vs the raw proxy (${durability})`,
        bar: '≥ 0.60×',
        source: 'chat, 64 connections: Tollgate / raw proxy req/s',
      },
      chat64?.throughput,
      (value) => value >= 0.6,
      times,
    ),
    latency,
    check(
      {
        issue: 19,
        target: `Streams at 64 connections vs the raw proxy (${durability})`,
        bar: '≥ 0.80×',
        source: `${chunks ?? 'stream, 64 connections'}: Tollgate / raw proxy streams/s`,
      },
      stream64?.throughput,
      (value) => value >= 0.8,
      times,
    ),
    check(
      {
        issue: 19,
        target: `Added time to first token, p50 (${durability})`,
        bar: '≤ the raw proxy’s + 0.50 ms',
        source: 'streams one at a time: (Tollgate − raw proxy) first-token p50, per repetition',
      },
      firstToken?.overProxy,
      (value) => value <= 0.5,
      (value) =>
        `${signedMs(value)} over the raw proxy (${signedMs(firstToken?.added ?? Number.NaN)} vs ${signedMs(firstToken?.proxyAdded ?? Number.NaN)} over direct)`,
    ),
    check(
      {
        issue: 19,
        target: `First stream after start vs the next ten (${durability})`,
        bar: `≤ ${FIRST_STREAM_FACTOR}× their median`,
        source:
          'time to first token of the first stream a fresh Tollgate answers / median of the next 10',
      },
      first === undefined ? undefined : first.first / first.nextMedian,
      (value) => value <= FIRST_STREAM_FACTOR,
      (value) => `${times(value)} (${ms(first?.first ?? 0)} vs ${ms(first?.nextMedian ?? 0)})`,
    ),
    ...(['sqlite', 'postgres'] as const).map((backend) =>
      check(
        {
          issue: 19,
          target: `Durable generation writes, ${backend === 'sqlite' ? 'SQLite' : 'PostgreSQL'} (${durability})`,
          bar: backend === 'sqlite' ? '≥ 20,000/s' : '≥ 10,000/s',
          source: `bench/storage-bench.ts through the ledger (best concurrency${backend === 'postgres' ? '; needs --postgres or DATABASE_URL' : ''})`,
        },
        bestWrites(result.durableWrites, backend, durability),
        (value) => value >= (backend === 'sqlite' ? 20_000 : 10_000),
        (value) => `${Math.round(value).toLocaleString('en-US')}/s`,
      ),
    ),
    check(
      {
        issue: 9,
        target: `Memory per open stream (${durability})`,
        bar: '≤ 64 KiB',
        source: 'RSS of the Tollgate process with the streams open − before, ÷ streams',
      },
      memoryPerStream(result.memory, name),
      (value) => value <= 64 * 1024,
      (value) => `${(value / 1024).toFixed(1)} KiB`,
    ),
  ];
}

/**
 * Every target of issue 19 (and issue 9's memory bar, which does not conflict), per durability
 * level, with this run's figure, its bar, and whether it is met. The lookup rows count only on a
 * store of {@link LOOKUP_BAR_ROWS} (`--long`); on a smaller one they show the figure, unjudged.
 */
export function evaluateTargets(result: SuiteResult): TargetCheck[] {
  const lookupTollgate = result.scenarios
    .find((scenario) => scenario.id.startsWith('lookup'))
    ?.targets.find((target) => target.role === 'tollgate');
  const lookup64 =
    lookupTollgate === undefined ? undefined : ratioOf(result, 'lookup-c64', lookupTollgate.name);
  const lookup1 = result.scenarios.find((scenario) => scenario.id === 'lookup-c1');
  const lookupP99 =
    lookup1?.kind === 'load'
      ? summarizeLoad(lookup1).find((summary) => summary.target.role === 'tollgate')?.p99
      : undefined;
  const rows = result.store?.rows ?? 0;
  const onStore = rows === 0 ? '' : ` on ${rows.toLocaleString('en-US')} rows`;
  const atBarSize = rows >= LOOKUP_BAR_ROWS;
  const judgedAtSize = (checked: TargetCheck): TargetCheck =>
    atBarSize || checked.met === null
      ? checked
      : {
          ...checked,
          measured: `${checked.measured} (would be ${checked.met ? 'met' : 'not met'}; bar is at 10M rows: --long)`,
          met: null,
        };
  return [
    ...DURABILITY_LEVELS.flatMap((durability) => levelChecks(result, durability, result.fsync)),
    judgedAtSize(
      check(
        {
          issue: 19,
          target: `GET /generation req/s vs a bare node:http server${onStore}`,
          bar: '≥ 0.50× at 10M rows',
          source: 'GET /generation, 64 connections: Tollgate / bare server req/s',
        },
        lookup64?.throughput,
        (value) => value >= 0.5,
        times,
      ),
    ),
    judgedAtSize(
      check(
        {
          issue: 19,
          target: `GET /generation p99${onStore}`,
          bar: '≤ 2 ms at 10M rows',
          source: 'GET /generation, 1 connection: Tollgate p99',
        },
        lookupP99,
        (value) => value <= 2,
        ms,
      ),
    ),
  ];
}
