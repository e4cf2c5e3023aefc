import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkChat, checkStream, createGenerations, fetchGeneration } from './check-responses.js';
import { startCpuMeter, waitForQuiet } from './cpu-meter.js';
import { startPeerGateways } from './peer-gateways.js';
import { probeStreamLatency, type StreamLatencyResult } from './probe-stream-latency.js';
import { CORES, freePort, type ProcessGroup } from './process-group.js';
import { type LoadResult, runLoad } from './run-load.js';
import { startTollgate } from './start-tollgate.js';
import { chatRequest, lookupRequests, type Target } from './targets.js';

/** Scenario ids, in the order they run (`--only` takes a comma-separated subset). */
export const SCENARIO_IDS = [
  'chat-c1',
  'chat-c64',
  'stream-c64',
  'stream-first-token',
  'lookup-c64',
] as const;

/** One of {@link SCENARIO_IDS}. */
export type ScenarioId = (typeof SCENARIO_IDS)[number];

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
  /** Extra node flags for Tollgate (`--cpu-prof`). */
  tollgateNodeFlags: readonly string[];
  /** Tollgate's entry point, run with node (normally packages/server/dist/main.js). */
  tollgateMain: string;
  /** Scenarios to run (all by default). */
  only: readonly ScenarioId[];
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

/** Everything a run measured. */
export interface SuiteResult {
  scenarios: ScenarioResult[];
  /** Generations Tollgate had stored when the lookup scenario started (approximate). */
  storedGenerations: number;
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
 * rotated order. Each repetition waits (up to a minute) for the machine to be quiet; one during
 * which it was busy with something else all the same is discarded and run again, at most
 * `options.noiseRetries` times per scenario.
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
    const waited = await waitForQuiet(NOISE_LIMIT, 60, options.signal);
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
  const upstreamPort = await freePort();
  const upstreamOrigin = `http://127.0.0.1:${upstreamPort}`;
  const upstream = await options.group.start({
    name: 'fake-upstream',
    args: ['--import', 'tsx', 'bench/fake-upstream.ts', '--port', String(upstreamPort)].concat([
      '--chunks',
      String(options.chunks),
    ]),
    core: CORES.load,
    healthUrl: `${upstreamOrigin}/health`,
  });
  const proxyPort = await freePort();
  const proxy = await options.group.start({
    name: 'raw-proxy',
    args: ['--import', 'tsx', 'bench/raw-proxy.ts', '--port', String(proxyPort)].concat([
      '--upstream',
      upstreamOrigin,
    ]),
    core: CORES.server,
    healthUrl: `http://127.0.0.1:${proxyPort}/health`,
  });
  const headers = { authorization: 'Bearer sk-bench-dummy' };
  return {
    direct: {
      name: 'direct',
      role: 'direct',
      origin: upstreamOrigin,
      chatPath: '/v1/chat/completions',
      headers,
      pid: upstream.pid,
    },
    proxy: {
      name: 'raw proxy',
      role: 'raw-proxy',
      origin: `http://127.0.0.1:${proxyPort}`,
      chatPath: '/api/v1/chat/completions',
      headers,
      pid: proxy.pid,
    },
  };
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

/** Starts every server, checks their answers, runs every scenario interleaved. */
export async function runSuite(options: SuiteOptions): Promise<SuiteResult> {
  const { direct, proxy } = await startBaselines(options);
  const tollgate = await startTollgate({
    group: options.group,
    upstreamOrigin: direct.origin,
    workDirectory: options.workDirectory,
    nodeFlags: options.tollgateNodeFlags,
    main: options.tollgateMain,
  });
  const peers = await startPeerGateways({
    group: options.group,
    upstreamOrigin: direct.origin,
    workDirectory: options.workDirectory,
  });
  const chatTargets = [direct, proxy, tollgate, ...peers];
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
  const wanted = (id: ScenarioId) => options.only.includes(id);
  if (wanted('chat-c1')) scenarios.push(await chat('chat-c1', 'chat, 1 connection', 1, false));
  if (wanted('chat-c64')) scenarios.push(await chat('chat-c64', 'chat, 64 connections', 64, false));
  const streamTitle = `stream ${options.chunks} chunks, 64 connections`;
  if (wanted('stream-c64')) scenarios.push(await chat('stream-c64', streamTitle, 64, true));
  if (wanted('stream-first-token')) {
    scenarios.push(await firstTokenScenario(chatTargets, upstreamPid, options));
  }
  if (!wanted('lookup-c64')) return { scenarios, storedGenerations: countStored(scenarios, 0) };
  options.signal.throwIfAborted();
  const ids = await createGenerations(tollgate, 256);
  const bare = await startBareLookup(tollgate, ids, options);
  const lookup = (target: Target) => lookupRequests(target, ids);
  const lookupTitle = 'GET /generation, 64 connections';
  scenarios.push(
    await loadScenario(
      'lookup-c64',
      lookupTitle,
      [bare, tollgate],
      64,
      lookup,
      upstreamPid,
      options,
    ),
  );
  return { scenarios, storedGenerations: countStored(scenarios, ids.length) };
}

function countStored(scenarios: readonly ScenarioResult[], extra: number): number {
  let total = extra;
  for (const scenario of scenarios) {
    if (scenario.kind !== 'load' || scenario.id.startsWith('lookup')) continue;
    for (const result of scenario.runs.get('Tollgate') ?? []) total += result.responses;
  }
  return total;
}
