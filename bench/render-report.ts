import { bestWrites, evaluateTargets, memoryPerStream } from './evaluate-targets.js';
import type { StreamLatencyResult } from './probe-stream-latency.js';
import type { ScenarioResult, SuiteResult } from './run-suite.js';
import { median } from './stats.js';
import { findIssues, summarizeLoad, summarizeRatios } from './summarize-results.js';

/** Where and how the run happened, printed above the tables. */
export interface RunContext {
  command: string;
  startedAt: Date;
  minutes: number;
  machine: Array<[string, string]>;
  versions: Array<[string, string]>;
  seconds: number;
  reps: number;
  warmupSeconds: number;
  probeSeconds: number;
  noiseRetries: number;
  quietWaitSeconds: number;
  chunks: number;
  rows: number;
  openStreams: number;
  memoryReps: number;
  writes: number;
  pinned: boolean;
  tollgateMain: string;
}

const integer = (value: number) =>
  Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '—';
const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : '—');
const signedMs = (value: number) =>
  Number.isFinite(value) ? `${value >= 0 ? '+' : ''}${value.toFixed(2)}` : '—';
const times = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)}×` : '—');
const percent = (value: number) => (Number.isFinite(value) ? `${Math.round(value * 100)}%` : '—');

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function loadTable(scenarios: readonly ScenarioResult[]): string {
  const rows: string[][] = [];
  for (const scenario of scenarios) {
    if (scenario.kind !== 'load') continue;
    for (const summary of summarizeLoad(scenario)) {
      rows.push([
        scenario.title,
        summary.target.name,
        integer(summary.requestsPerSecond),
        integer(summary.perCore),
        percent(summary.serverCpu),
        integer(1e6 / summary.perCore),
        percent(summary.loadCpu),
        percent(summary.otherCpu),
        ms(summary.p50),
        ms(summary.p90),
        ms(summary.p99),
        signedMs(summary.addedP50),
        String(summary.non2xx + summary.errors),
      ]);
    }
  }
  const header = ['Scenario', 'Target', 'req/s', 'req/s per server core', 'server CPU'];
  header.push('server CPU µs per request');
  header.push(
    'load-core CPU',
    'other CPU',
    'p50 ms',
    'p90 ms',
    'p99 ms',
    'p50 added vs direct (ms)',
  );
  return table([...header, 'non-2xx + errors'], rows);
}

function ratioTable(result: SuiteResult): string {
  const rows = summarizeRatios(result).map((ratio) => [
    ratio.scenario,
    `${ratio.target} / ${ratio.reference}`,
    times(ratio.throughput),
    times(ratio.perCore),
    times(ratio.p99),
    signedMs(ratio.addedP50),
    signedMs(ratio.referenceAddedP50),
  ]);
  const header = ['Scenario', 'Ratio', 'req/s', 'req/s per core', 'p99 latency'];
  return table([...header, 'p50 added vs direct (ms)', 'reference p50 added (ms)'], rows);
}

function firstTokenTable(scenarios: readonly ScenarioResult[]): string {
  const rows: string[][] = [];
  for (const scenario of scenarios) {
    if (scenario.kind !== 'first-token') continue;
    const direct = scenario.targets.find((target) => target.role === 'direct');
    const directRuns = direct === undefined ? [] : (scenario.runs.get(direct.name) ?? []);
    for (const target of scenario.targets) {
      const runs = scenario.runs.get(target.name) ?? [];
      const pick = (choose: (run: StreamLatencyResult) => number) => median(runs.map(choose));
      const added = runs.flatMap((run, rep) => {
        const other = directRuns[rep];
        return other === undefined ? [] : [run.firstTokenP50 - other.firstTokenP50];
      });
      rows.push([
        target.name,
        ms(pick((run) => run.firstByteP50)),
        ms(pick((run) => run.firstTokenP50)),
        ms(pick((run) => run.firstTokenP99)),
        ms(pick((run) => run.totalP50)),
        target.role === 'direct' ? '—' : signedMs(median(added)),
        integer(pick((run) => run.streams)),
        String(runs.reduce((sum, run) => sum + run.failures, 0)),
      ]);
    }
  }
  const header = ['Target', 'first byte p50 ms', 'first token p50 ms', 'first token p99 ms'];
  header.push('whole stream p50 ms', 'first token added vs direct (ms)', 'streams per rep');
  return table([...header, 'failures'], rows);
}

function targetsTable(result: SuiteResult): string {
  const verdict = (met: boolean | null) =>
    met === null ? 'not measured' : met ? '**met**' : '**not met**';
  const rows = evaluateTargets(result).map((check) => [
    String(check.issue),
    check.target,
    check.measured,
    check.bar,
    verdict(check.met),
    check.source,
  ]);
  return table(['Issue', 'Target', 'Measured', 'Bar', 'Verdict', 'From'], rows);
}

function firstStreamsTable(result: SuiteResult): string {
  if (result.firstStreams.size === 0) return 'Not run.';
  const rows = [...result.firstStreams].map(([name, streams]) => [
    name,
    ms(streams.first),
    ms(streams.nextMedian),
    times(streams.first / streams.nextMedian),
    streams.next.map((value) => value.toFixed(1)).join(', '),
  ]);
  const header = ['Target', 'first stream: first token ms', 'next ten: median ms', 'ratio'];
  return table([...header, 'next ten (ms)'], rows);
}

function memoryTable(result: SuiteResult): string {
  const memory = result.memory;
  if (memory === null) return 'Not run.';
  const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
  const rows = memory.targets.map((target) => {
    const runs = memory.runs.get(target.name) ?? [];
    return [
      target.name,
      mib(median(runs.map((run) => run.rssBefore))),
      mib(median(runs.map((run) => run.rssOpen))),
      (memoryPerStream(memory, target.name) / 1024).toFixed(1),
      String(runs.reduce((sum, run) => sum + run.failures, 0)),
    ];
  });
  const header = ['Target', 'RSS before (MiB)', 'RSS with the streams open (MiB)'];
  return table([...header, 'KiB per open stream', 'failed streams'], rows);
}

function writesTable(result: SuiteResult): string {
  if (result.durableWrites === null) {
    return result.durableWritesError === null
      ? 'Not run.'
      : `Not measured: ${result.durableWritesError}`;
  }
  const rows = result.durableWrites.flatMap((backend) =>
    backend.writes.map((write) => [
      backend.backend,
      backend.durability,
      String(write.concurrency),
      integer(write.perSecond),
      write.perSecond === bestWrites(result.durableWrites, backend.backend, backend.durability)
        ? 'best'
        : '',
    ]),
  );
  return table(['Backend', 'Durability', 'Concurrent writers', 'durable writes/s', ''], rows);
}

/**
 * Headings of the hand-written sections of BENCHMARKS.md (measured by other scripts, by hand):
 * a regenerated report keeps everything of the previous file from the first of them on.
 */
export const KEPT_SECTIONS = [
  '## Per-component costs',
  '## Activity and the generations log',
] as const;

/** The hand-written tail of a previous report (from the first {@link KEPT_SECTIONS} heading), or ''. */
export function keptTail(previous: string | null): string {
  if (previous === null) return '';
  const found = KEPT_SECTIONS.map((heading) => previous.indexOf(`\n${heading}`)).filter(
    (start) => start >= 0,
  );
  return found.length === 0 ? '' : previous.slice(Math.min(...found));
}

/**
 * The Markdown report (BENCHMARKS.md); `previous` is the file it replaces, whose hand-written
 * sections ({@link KEPT_SECTIONS}) are carried over unchanged.
 */
export function renderReport(
  result: SuiteResult,
  context: RunContext,
  previous: string | null = null,
): string {
  const issues = findIssues(result);
  const list = (pairs: Array<[string, string]>) =>
    pairs.map(([name, value]) => `- ${name}: ${value}`).join('\n');
  return `# Benchmarks

Generated by \`npm run bench\` (bench/run.ts) on ${context.startedAt.toISOString()}, ${context.minutes.toFixed(1)} minutes.
**Only ratios within one run are comparable**: this machine drifts by ±30 % over minutes, so absolute
req/s from different runs (or machines) are not.

Command:

\`\`\`
${context.command}
\`\`\`

## Machine
${list(context.machine)}

## Versions
${list(context.versions)}

## Method
- Everything on 127.0.0.1. A fake OpenAI-compatible upstream (bench/fake-upstream.ts: JSON with usage;
  SSE with a role chunk, ${context.chunks} content chunks, a finish chunk, a usage chunk and \`[DONE]\`, events
  written one event-loop turn apart), and in front of it: **direct** (no gateway), the **raw proxy**
  (bench/raw-proxy.ts: node:http + undici \`Pool.stream\`, path rewrite only), **Tollgate** twice
  (\`node ${context.tollgateMain}\` with \`TOLLGATE_DURABILITY=power\` and \`=process\`, each its own
  process and SQLite store, both targets of every chat and stream scenario, SQLite accounting on,
  every generation recorded), **Portkey** (Portkey's open-source gateway
  \`@portkey-ai/gateway\` from bench/package.json, \`@hono/node-server\` pinned to 1.13.8, routed to the
  fake upstream as a custom OpenAI host, bound to 127.0.0.1 by bench/bind-loopback.mjs), and for the
  lookup the **bare server** (bench/bare-lookup-server.ts: one real generation body from memory).
- ${context.pinned ? 'Pinned with taskset: the server under test alone on core 0; the fake upstream and the load generator (autocannon, in the bench process) on core 1.' : 'Not pinned (taskset missing or a single core).'}
- Targets interleaved and rotated each repetition (A B C, B C A, …): ${context.reps} repetitions of
  ${context.seconds} s per target per scenario after ${context.warmupSeconds} s of warm-up each; the
  one-at-a-time stream probe runs ${context.probeSeconds} s per target per repetition. Figures are
  medians over repetitions; ratios are medians of per-repetition ratios. Each repetition first
  waits (up to ${context.quietWaitSeconds} s) for the machine to be quiet; one during which
  anything else used more than 25% of a core ("other CPU": other processes, softirq, hypervisor
  steal, from /proc/stat) is discarded and run again, at most ${context.noiseRetries} times per scenario.
- Latency is measured per response in the load generator (full response). At 64 connections it is
  queueing at saturation; per-request overhead shows at 1 connection (p50). "req/s per server core" is
  req/s ÷ the CPU fraction the server process used (from /proc), i.e. 1 / CPU cost per request; for
  *direct* that server is the fake upstream, which shares the load core.
- "server CPU µs per request" is the CPU time (user + system, all threads, from /proc/PID/stat) the
  server process used per request: 10⁶ ÷ "req/s per server core".
- Durability: \`power\` commits survive a power loss (one fsync per group commit, SQLite
  \`synchronous=FULL\`), \`process\` a process crash (\`synchronous=NORMAL\` in WAL). The bar of the
  \`power\` 1-connection latency is the raw proxy's + one fsync, measured in this run on the data
  directory's disk just before that scenario: ${result.fsync === null ? '—' : `median of ${result.fsync.samples} rounds of a 4 KiB write + \`fdatasync\` = **${result.fsync.medianMs.toFixed(3)} ms**`}.
- First stream after start: right after each Tollgate started (and answered \`/health\`), before any
  other request, one stream then ten more, one at a time; the first's time to first token must be
  ≤ 10× the median of the next ten (the ratio of issue 18's test).
- The store: before the chat scenarios, the \`power\` Tollgate is started once (running its migrations) and makes
  16 real generations; it is stopped, and ${context.rows.toLocaleString('en-US')} copies of its newest real record
  (${result.store === null ? '—' : `${result.store.recordBytes.toLocaleString('en-US')} bytes`}, each under a new id, request id and time) are bulk-inserted into its SQLite
  file (bench/fill-store.ts${result.store === null ? '' : `, ${result.store.seconds.toFixed(0)} s`}); then it is started again on that file. The lookup scenarios (on that
  Tollgate only: a lookup writes nothing, so the durability level does not apply)
  run after the chat scenarios, on a store holding at least ${result.storedGenerations.toLocaleString('en-US')} generations,
  reading 1,000 ids spread evenly over the filled rows, in turn; p99 at 1 connection is the latency
  target, req/s at 64 connections the throughput one.
- Memory per open stream: the RSS of the server process (VmRSS) is read, ${context.openStreams.toLocaleString('en-US')} streams are
  opened at once (one connection each) on models the fake upstream holds after the first content
  chunk, the RSS is read again once every client has that chunk, then the upstream releases them and
  every stream must end with \`[DONE]\`. (RSS with the streams open − RSS before) ÷ streams; targets
  in rotated order, ${context.memoryReps} repetition(s), after the load scenarios (heaps already grown);
  the largest repetition counts, as later ones start from a heap the earlier one grew.
  Tollgate serves the held models through 8 providers (each with its own upstream pool).
- Durable writes: bench/storage-bench.ts in its own process on the server core: concurrent writers
  each awaiting \`Ledger.commit\` of a generation through Tollgate's real storage layer, at each
  durability level (SQLite; PostgreSQL too when \`--postgres URL\` or \`DATABASE_URL\` is given,
  \`synchronous_commit\` off at \`process\`).

## Targets
${targetsTable(result)}

## Ratios (medians of per-repetition ratios)
${ratioTable(result)}

## Throughput and latency (medians)
${loadTable(result.scenarios)}

## Streams one at a time (time to first token)
${firstTokenTable(result.scenarios)}

## First stream after start
${firstStreamsTable(result)}

## Memory per open stream (${context.openStreams.toLocaleString('en-US')} streams open at once, largest of ${context.memoryReps}; RSS columns are medians)
${memoryTable(result)}

## Durable generation writes (bench/storage-bench.ts, ${context.writes.toLocaleString('en-US')} writes per concurrency)
${writesTable(result)}

## Issues
${issues.length === 0 ? 'None: every response was 2xx, and every server under test was saturated at 64 connections.' : issues.map((issue) => `- ${issue}`).join('\n')}
${keptTail(previous)}`;
}
