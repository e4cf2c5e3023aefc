// Measures the gateway's event-loop delay while it serves chat requests with 1 MB prompts, with
// normalized token counting on (the worker thread) and off, for ordinary text and for the
// pathological case of one 1 MB run without spaces (../shared/contract/model-tokens-prices.md).
// The gateway runs on this thread alone; the fake upstream and the client run in a worker thread,
// so their JSON work does not show up as the gateway's delay.
// Usage: node --import tsx bench/event-loop-big-prompt.ts [--requests N]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { generateKey } from '../packages/server/src/accounts/api-keys.js';
import { parseConfig } from '../packages/server/src/config/load-config.js';
import { startGateway } from '../packages/server/src/start-gateway.js';

interface Job {
  upstreamOnly?: boolean;
  apiUrl?: string;
  key?: string;
  kind?: 'prose' | 'no-spaces';
  requests?: number;
}

function inWorker<Result>(job: Job): { result: Promise<Result>; worker: Worker } {
  const worker = new Worker(new URL('./event-loop-big-prompt-worker.mjs', import.meta.url), {
    workerData: job,
  });
  const result = new Promise<Result>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return { result, worker };
}

async function measure(
  countTokens: boolean,
  kind: 'prose' | 'no-spaces',
  requests: number,
  upstreamPort: number,
) {
  const dataDir = await mkdtemp(join(tmpdir(), 'tollgate-bench-loop-'));
  const key = generateKey();
  const config = parseConfig(
    {
      providers: [
        { name: 'Bench', kind: 'openai', base_url: `http://127.0.0.1:${upstreamPort}/v1` },
      ],
      models: [
        {
          id: 'bench/model',
          endpoints: [
            {
              provider: 'Bench',
              model: 'bench-1',
              pricing: { prompt: '0.000001', completion: '0.000002' },
            },
          ],
        },
      ],
    },
    {},
    'bench config',
  );
  const gateway = await startGateway({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    adminKey: key,
    countTokens,
    config,
  });
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const started = performance.now();
  const { result, worker } = inWorker<string>({
    apiUrl: `${gateway.url}/api/v1`,
    key,
    kind,
    requests,
  });
  await result;
  const seconds = (performance.now() - started) / 1000;
  histogram.disable();
  await worker.terminate();
  await gateway.close();
  await rm(dataDir, { recursive: true, force: true });
  const ms = (ns: number) => (ns / 1e6).toFixed(1);
  return {
    counting: countTokens ? 'on' : 'off',
    prompt: kind,
    requests,
    'loop delay p50 ms': ms(histogram.percentile(50)),
    'p99 ms': ms(histogram.percentile(99)),
    'max ms': ms(histogram.max),
    'wall s': seconds.toFixed(2),
  };
}

async function main(): Promise<void> {
  const flag = process.argv.indexOf('--requests');
  const requests = flag === -1 ? 5 : Number(process.argv[flag + 1]);
  const upstream = inWorker<number>({ upstreamOnly: true });
  const port = await upstream.result;
  const rows = [];
  for (const kind of ['prose', 'no-spaces'] as const) {
    for (const countTokens of [false, true])
      rows.push(await measure(countTokens, kind, requests, port));
  }
  await upstream.worker.terminate();
  console.log(
    `node ${process.version}; ${requests} sequential chat requests with a 1 MB prompt each`,
  );
  console.table(rows);
}

await main();
