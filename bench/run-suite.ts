import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeUpstream, startRawProxy } from './baselines.js';
import { checkChat, checkStream, createGenerations, fetchGeneration } from './check-responses.js';
import { startCpuMeter, waitForQuiet } from './cpu-meter.js';
import {
  type DurabilityLevel,
  type DurableWrites,
  measureDurableWrites,
} from './durable-writes.js';
import { type FillResult, fillGenerations } from './fill-store.js';
import { type FsyncResult, measureFsync } from './measure-fsync.js';
import { measureStreamMemory, type StreamMemoryResult } from './measure-stream-memory.js';
import { startPeerGateways } from './peer-gateways.js';
import {
  type FirstStreamsResult,
  probeFirstStreams,
  probeStreamLatency,
  type StreamLatencyResult,
} from './probe-stream-latency.js';
import { CORES, freePort, type ProcessGroup } from './process-group.js';
import { type LoadResult, runLoad } from './run-load.js';
import { startTollgate, tollgateDatabasePath, tollgateDataDirectory } from './start-tollgate.js';
import { chatRequest, lookupRequests, type Target } from './targets.js';

/** Scenario ids, in the order they run (`--only` takes a comma-separated subset). */
export const SCENARIO_IDS = [
  'chat-c1',
  'chat-c64',
  'stream-c64',
  'stream-first-token',
  'stream-memory',
  'lookup-c1',
  'lookup-c64',
  'durable-writes',
] as const;

/** One of {@link SCENARIO_IDS}. */
export type ScenarioId = (typeof SCENARIO_IDS)[number];

/**
 * Tollgate runs twice, one target per durability level, interleaved with the baselines in the
 * same repetitions. The first holds the big store the lookups read (lookups write nothing).
 */
export const DURABILITY_LEVELS: readonly DurabilityLevel[] = ['power', 'process'];

/** Durations and repetitions of one run. */
export interface SuiteOptions {
  group: ProcessGroup;
  workDirectory: string;
  /** Seconds of load per target per repetition. */
  seconds: number;
  reps: number;
  /** Seconds of discarded load per target before each scenario's first repetition. */
  warmupSeconds: number;
  /** Seconds of one-at-a-time streams per target per repetition (time to first token). */
  probeSeconds: number;
  /** Content chunks per stream. */
  chunks: number;
  /** Repetitions that may be discarded and run again per scenario when the machine was busy. */
  noiseRetries: number;
  /** Longest wait for a quiet machine before each repetition, in seconds. */
  quietWaitSeconds: number;
  /** Extra node flags for Tollgate (`--cpu-prof`). */
  tollgateNodeFlags: readonly string[];
  /** Tollgate's entry point, run with node (normally packages/server/dist/main.js). */
  tollgateMain: string;
  /** Scenarios to run (all by default). */
  only: readonly ScenarioId[];
  /** Generations bulk-inserted into Tollgate's store before it starts (lookup scenarios). */
  rows: number;
  /** Streams held open at once in the memory scenario. */
  openStreams: number;
  /** Repetitions of the memory scenario per target. */
  memoryReps: number;
  /** Generations written per concurrency by the durable-writes scenario. */
  writes: number;
  /** PostgreSQL server for the durable-writes scenario as well (null: SQLite only). */
  postgresUrl: string | null;
  signal: AbortSignal;
  log: (line: string) => void;
}

interface ScenarioBase {
  id: ScenarioId;
  title: string;
  targets: Target[];
  /** Repetitions discarded and run again because the machine was busy. */
  repeated: number;
}

/** One scenario's measurements, per target name, one entry per repetition (same order). */
export type ScenarioResult =
  | (ScenarioBase & { kind: 'load'; runs: Map<string, LoadResult[]> })
  | (ScenarioBase & { kind: 'first-token'; runs: Map<string, ProbeResult[]> });

/** The memory-per-open-stream scenario: one entry per repetition, per target name. */
export interface MemoryScenario {
  targets: Target[];
  runs: Map<string, StreamMemoryResult[]>;
}

/** Everything a run measured. */
export interface SuiteResult {
  scenarios: ScenarioResult[];
  /** Generations Tollgate had stored when the lookup scenarios started (approximate). */
  storedGenerations: number;
  /** The bulk fill of Tollgate's store before it started (null without lookup scenarios). */
  store: FillResult | null;
  memory: MemoryScenario | null;
  /** Durable writes per backend and level (null when not run or failed: see durableWritesError). */
  durableWrites: DurableWrites[] | null;
  durableWritesError: string | null;
  /** One write + fdatasync on the data directory's disk, measured before the 1-connection chat. */
  fsync: FsyncResult | null;
  /** Time to first token of the first streams after each Tollgate started, by target name. */
  firstStreams: Map<string, FirstStreamsResult>;
}

type Measure<R> = (target: Target, seconds: number) => Promise<R>;

/** A stream probe's latencies and how busy the rest of the machine was meanwhile. */
export type ProbeResult = StreamLatencyResult & { otherCpu: number };

/** Above this (cores' worth of CPU used by anything else), a repetition is noise. */
const NOISE_LIMIT = 0.25;

/** Targets in a different order each repetition: A B C, B C A, C A B, … */
function rotate<T>(items: readonly T[], by: number): T[] {
  const shift = by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

/**
 * Warms every target up, then runs `options.reps` repetitions, each over every target in a
 * rotated order. Each repetition waits (up to `options.quietWaitSeconds`) for the machine to be
 * quiet; one during which it was busy with something else all the same is discarded and run
 * again, at most `options.noiseRetries` times per scenario.
 */
async function measureInterleaved<R extends { otherCpu: number }>(
  title: string,
  targets: readonly Target[],
  measure: Measure<R>,
  options: SuiteOptions,
  describe: (result: R) => string,
): Promise<{ runs: Map<string, R[]>; repeated: number }> {
  const runs = new Map<string, R[]>(targets.map((target) => [target.name, []]));
  for (const target of targets) {
    options.signal.throwIfAborted();
    if (options.warmupSeconds > 0) await measure(target, options.warmupSeconds);
  }
  let repeated = 0;
  for (let rep = 0; rep < options.reps; ) {
    const waited = await waitForQuiet(NOISE_LIMIT, options.quietWaitSeconds, options.signal);
    if (waited >= 1)
      options.log(`[${title}] waited ${waited.toFixed(0)} s for the machine to be quiet`);
    const results = new Map<string, R>();
    for (const target of rotate(targets, rep)) {
      options.signal.throwIfAborted();
      const result = await measure(target, options.seconds);
      results.set(target.name, result);
      options.log(`[${title}] rep ${rep + 1}/${options.reps} ${target.name}: ${describe(result)}`);
    }
    const noisiest = Math.max(...[...results.values()].map((result) => result.otherCpu));
    if (noisiest > NOISE_LIMIT && repeated < options.noiseRetries) {
      repeated += 1;
      options.log(`[${title}] rep ${rep + 1} discarded: the machine was busy; repeating`);
      continue;
    }
    for (const [name, result] of results) runs.get(name)?.push(result);
    rep += 1;
  }
  return { runs, repeated };
}

function describeLoad(result: LoadResult): string {
  const bad =
    result.non2xx + result.errors > 0 ? ` NON-2XX ${result.non2xx} ERR ${result.errors}` : '';
  return (
    `${Math.round(result.requestsPerSecond)} req/s, p50 ${result.p50.toFixed(2)} ms, ` +
    `p99 ${result.p99.toFixed(2)} ms, server cpu ${Math.round(result.serverCpu * 100)}%, ` +
    `load cpu ${Math.round(result.loadCpu * 100)}%, other ${Math.round(result.otherCpu * 100)}%${bad}`
  );
}

async function loadScenario(
  id: ScenarioId,
  title: string,
  targets: Target[],
  connections: number,
  requestsFor: (target: Target) => ReturnType<typeof lookupRequests>,
  upstreamPid: number,
  options: SuiteOptions,
): Promise<ScenarioResult> {
  const measure: Measure<LoadResult> = (target, seconds) =>
    runLoad({
      origin: target.origin,
      requests: requestsFor(target),
      connections,
      seconds,
      serverPid: target.pid,
      loadCorePids: [upstreamPid],
    });
  const { runs, repeated } = await measureInterleaved(
    title,
    targets,
    measure,
    options,
    describeLoad,
  );
  return { id, title, kind: 'load', targets, runs, repeated };
}

async function firstTokenScenario(
  targets: Target[],
  upstreamPid: number,
  options: SuiteOptions,
): Promise<ScenarioResult> {
  const title = `stream ${options.chunks} chunks, 1 connection, one at a time`;
  const measure: Measure<ProbeResult> = async (target, seconds) => {
    const stopMeter = startCpuMeter(target.pid, [upstreamPid]);
    const result = await probeStreamLatency(target.origin, chatRequest(target, true), seconds);
    return { ...result, otherCpu: stopMeter().other };
  };
  const probeOptions = { ...options, seconds: options.probeSeconds, warmupSeconds: 1 };
  const { runs, repeated } = await measureInterleaved(
    title,
    targets,
    measure,
    probeOptions,
    (result) => {
      const failed = result.failures > 0 ? ` FAILURES ${result.failures}` : '';
      return (
        `first token p50 ${result.firstTokenP50.toFixed(2)} ms, ${result.streams} streams, ` +
        `other ${Math.round(result.otherCpu * 100)}%${failed}`
      );
    },
  );
  return { id: 'stream-first-token', title, kind: 'first-token', targets, runs, repeated };
}

async function startBaselines(options: SuiteOptions): Promise<{ direct: Target; proxy: Target }> {
  const direct = await startFakeUpstream(options.group, options.chunks);
  return { direct, proxy: await startRawProxy(options.group, direct.origin) };
}

async function startBareLookup(tollgate: Target, ids: readonly string[], options: SuiteOptions) {
  const first = ids[0];
  if (first === undefined) throw new Error('no generation to look up');
  const bodyFile = join(options.workDirectory, 'generation.json');
  writeFileSync(bodyFile, await fetchGeneration(tollgate, first));
  const port = await freePort();
  const bare = await options.group.start({
    name: 'bare-lookup',
    args: ['--import', 'tsx', 'bench/bare-lookup-server.ts', '--port', String(port)].concat([
      '--body-file',
      bodyFile,
    ]),
    core: CORES.server,
    healthUrl: `http://127.0.0.1:${port}/health`,
  });
  const target: Target = {
    name: 'bare server',
    role: 'bare-lookup',
    origin: `http://127.0.0.1:${port}`,
    chatPath: '',
    headers: tollgate.headers,
    pid: bare.pid,
  };
  return target;
}

/**
 * Starts Tollgate once (migrations, a few real generations), stops it and bulk-inserts
 * `options.rows` copies of a real record into its SQLite file, then starts it again on that store.
 */
async function startTollgateOnBigStore(
  start: (key: string) => Promise<Target>,
  durability: DurabilityLevel,
  options: SuiteOptions,
): Promise<{ tollgate: Target; store: FillResult | null }> {
  const key = `sk-tg-v1-bench${randomBytes(24).toString('hex')}`;
  const first = await start(key);
  const wantsStore = options.only.some((id) => id.startsWith('lookup'));
  if (wantsStore && options.rows <= 0) options.log('[store] no rows: lookup scenarios skipped');
  if (!wantsStore || options.rows <= 0) return { tollgate: first, store: null };
  await createGenerations(first, 16);
  await options.group.stop(first.pid);
  options.log(`[store] filling ${options.rows.toLocaleString('en-US')} generations`);
  const path = tollgateDatabasePath(options.workDirectory, durability);
  const store = fillGenerations(path, options.rows, 1000);
  options.log(
    `[store] ${store.rows.toLocaleString('en-US')} rows of ${store.recordBytes} B records ` +
      `in ${store.seconds.toFixed(1)} s`,
  );
  return { tollgate: await start(key), store };
}

async function memoryScenario(
  targets: readonly Target[],
  upstreamOrigin: string,
  options: SuiteOptions,
): Promise<MemoryScenario> {
  const runs = new Map<string, StreamMemoryResult[]>(targets.map((target) => [target.name, []]));
  const mebibytes = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
  for (let rep = 0; rep < options.memoryReps; rep += 1) {
    for (const target of rotate(targets, rep)) {
      options.signal.throwIfAborted();
      const result = await measureStreamMemory(target, upstreamOrigin, options.openStreams);
      runs.get(target.name)?.push(result);
      const failed = result.failures > 0 ? ` FAILURES ${result.failures}` : '';
      options.log(
        `[memory] rep ${rep + 1}/${options.memoryReps} ${target.name}: RSS ` +
          `${mebibytes(result.rssBefore)} → ${mebibytes(result.rssOpen)} MiB, ` +
          `${(result.bytesPerStream / 1024).toFixed(1)} KiB per open stream${failed}`,
      );
    }
  }
  return { targets: [...targets], runs };
}

async function durableWritesScenario(
  options: SuiteOptions,
): Promise<Pick<SuiteResult, 'durableWrites' | 'durableWritesError'>> {
  options.log('[writes] bench/storage-bench.ts: durable generation writes per second');
  try {
    const durableWrites: DurableWrites[] = [];
    for (const durability of DURABILITY_LEVELS) {
      const measured = await measureDurableWrites({
        writes: options.writes,
        concurrencies: [64, 512],
        postgresUrl: options.postgresUrl,
        durability,
        signal: options.signal,
      });
      for (const backend of measured) {
        const figures = backend.writes.map(
          (write) => `${Math.round(write.perSecond)}/s at ${write.concurrency}`,
        );
        options.log(`[writes] ${backend.backend} (${durability}): ${figures.join(', ')}`);
      }
      durableWrites.push(...measured);
    }
    return { durableWrites, durableWritesError: null };
  } catch (error) {
    options.signal.throwIfAborted();
    const message = error instanceof Error ? error.message : String(error);
    options.log(`[writes] not measured: ${message}`);
    return { durableWrites: null, durableWritesError: message.split('\n', 1)[0] ?? message };
  }
}

/** The first stream and the next ten, sent to a Tollgate that has just started. */
async function firstStreamsOf(tollgate: Target, options: SuiteOptions) {
  const result = await probeFirstStreams(tollgate.origin, chatRequest(tollgate, true));
  options.log(
    `[first streams] ${tollgate.name}: first token ${result.first.toFixed(2)} ms, next ten's ` +
      `median ${result.nextMedian.toFixed(2)} ms`,
  );
  return result;
}

/** Starts every server, checks their answers, runs every scenario interleaved. */
export async function runSuite(options: SuiteOptions): Promise<SuiteResult> {
  const wanted = (id: ScenarioId) => options.only.includes(id);
  const { direct, proxy } = await startBaselines(options);
  const start = (durability: DurabilityLevel) => (key?: string) =>
    startTollgate({
      group: options.group,
      upstreamOrigin: direct.origin,
      workDirectory: options.workDirectory,
      nodeFlags: options.tollgateNodeFlags,
      main: options.tollgateMain,
      durability,
      ...(key === undefined ? {} : { key }),
    });
  const [storeLevel = 'power', ...otherLevels] = DURABILITY_LEVELS;
  const firstStreams = new Map<string, FirstStreamsResult>();
  const { tollgate, store } = await startTollgateOnBigStore(start(storeLevel), storeLevel, options);
  firstStreams.set(tollgate.name, await firstStreamsOf(tollgate, options));
  const tollgates = [tollgate];
  for (const durability of otherLevels) {
    const other = await start(durability)();
    firstStreams.set(other.name, await firstStreamsOf(other, options));
    tollgates.push(other);
  }
  const peers = await startPeerGateways({
    group: options.group,
    upstreamOrigin: direct.origin,
    workDirectory: options.workDirectory,
  });
  const chatTargets = [direct, proxy, ...tollgates, ...peers];
  for (const target of chatTargets) {
    await checkChat(target);
    await checkStream(target, options.chunks);
  }
  const json = (target: Target) => [chatRequest(target, false)];
  const sse = (target: Target) => [chatRequest(target, true)];
  const upstreamPid = direct.pid;
  const chat = (id: ScenarioId, title: string, connections: number, stream: boolean) =>
    loadScenario(id, title, chatTargets, connections, stream ? sse : json, upstreamPid, options);
  const scenarios: ScenarioResult[] = [];
  // The fsync a `power` commit adds, on the disk of Tollgate's data, just before the scenario whose
  // bar it sets.
  const fsync = measureFsync(tollgateDataDirectory(options.workDirectory, storeLevel));
  options.log(`[fsync] write + fdatasync median ${fsync.medianMs.toFixed(3)} ms`);
  if (wanted('chat-c1')) scenarios.push(await chat('chat-c1', 'chat, 1 connection', 1, false));
  if (wanted('chat-c64')) scenarios.push(await chat('chat-c64', 'chat, 64 connections', 64, false));
  const streamTitle = `stream ${options.chunks} chunks, 64 connections`;
  if (wanted('stream-c64')) scenarios.push(await chat('stream-c64', streamTitle, 64, true));
  if (wanted('stream-first-token')) {
    scenarios.push(await firstTokenScenario(chatTargets, upstreamPid, options));
  }
  const memory = wanted('stream-memory')
    ? await memoryScenario([proxy, ...tollgates, ...peers], direct.origin, options)
    : null;
  const storedGenerations = countStored(scenarios, tollgate.name, store?.rows ?? 0);
  if (store !== null) {
    options.signal.throwIfAborted();
    const ids = store.sampleIds;
    const bare = await startBareLookup(tollgate, ids, options);
    const lookup = (target: Target) => lookupRequests(target, ids);
    for (const [id, connections] of [
      ['lookup-c1', 1],
      ['lookup-c64', 64],
    ] as const) {
      if (!wanted(id)) continue;
      const title = `GET /generation, ${connections} connection${connections === 1 ? '' : 's'}`;
      scenarios.push(
        await loadScenario(id, title, [bare, tollgate], connections, lookup, upstreamPid, options),
      );
    }
  }
  const writes = wanted('durable-writes')
    ? await durableWritesScenario(options)
    : { durableWrites: null, durableWritesError: null };
  return { scenarios, storedGenerations, store, memory, ...writes, fsync, firstStreams };
}

function countStored(scenarios: readonly ScenarioResult[], name: string, extra: number): number {
  let total = extra;
  for (const scenario of scenarios) {
    if (scenario.kind !== 'load' || scenario.id.startsWith('lookup')) continue;
    for (const result of scenario.runs.get(name) ?? []) total += result.responses;
  }
  return total;
}
