// CPU per upstream call, the way main called upstreams (undici `Pool.request`: a BodyReadable per
// response, then its `json()`) against `UpstreamClient.send` (`Pool.dispatch` with our own body,
// docs/decisions/0043-upstream-dispatch.md). Both run in this process, interleaved round by round,
// against one node:http upstream in a child process (its CPU is not counted) answering a
// chat-completion-sized JSON body. Reported: µs of this process's CPU (user + system) per call,
// median of the rounds, sequential and at --concurrency calls in flight.
//
//   node --import tsx bench/upstream-call-cost.ts [--calls 20000] [--rounds 5] [--concurrency 64]
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { CancelSignal } from '../packages/server/src/providers/cancel-signal.js';
import { toTransportError } from '../packages/server/src/providers/to-transport-error.js';
import { UpstreamClient } from '../packages/server/src/providers/upstream-client.js';

const { values } = parseArgs({
  options: {
    serve: { type: 'boolean', default: false },
    calls: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '64' },
  },
});

const COMPLETION = JSON.stringify({
  id: 'chatcmpl-AbCdEfGhIjKlMnOpQrStUvWxYz012',
  object: 'chat.completion',
  created: 1765090000,
  model: 'gpt-4o-mini-2024-07-18',
  system_fingerprint: 'fp_0123456789',
  choices: [
    {
      index: 0,
      message: {
        role: 'assistant',
        content: 'The quick brown fox jumps over the lazy dog. '.repeat(6),
        refusal: null,
      },
      logprobs: null,
      finish_reason: 'stop',
    },
  ],
  usage: {
    prompt_tokens: 25,
    completion_tokens: 60,
    total_tokens: 85,
    prompt_tokens_details: { cached_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0 },
  },
});

if (values.serve) {
  const body = Buffer.from(COMPLETION);
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(200, {
        'content-type': 'application/json',
        'content-length': body.length,
        'x-request-id': 'req_0123456789',
      });
      response.end(body);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    process.send?.((server.address() as AddressInfo).port);
  });
} else {
  await main();
}

async function main(): Promise<void> {
  const CALLS = Number(values.calls);
  const ROUNDS = Number(values.rounds);
  const CONCURRENCY = Number(values.concurrency);
  const child = fork(new URL(import.meta.url).pathname, ['--serve'], {
    execArgv: ['--import', 'tsx'],
  });
  const [port] = (await once(child, 'message')) as [number];
  const origin = `http://127.0.0.1:${port}`;
  const call = {
    path: '/chat/completions',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
    body: '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello"}]}',
  };
  const poolOptions = {
    connections: 1024,
    keepAliveTimeout: 30_000,
    headersTimeout: 60_000,
    bodyTimeout: 60_000,
    connectTimeout: 10_000,
  };

  // main's UpstreamClient.send, then pipeline.ts's read of the body.
  const pool = new Pool(origin, poolOptions);
  const viaRequest = async (): Promise<unknown> => {
    const signal = new CancelSignal();
    let response: Awaited<ReturnType<Pool['request']>>;
    try {
      response = await pool.request({
        method: 'POST',
        path: `/v1${call.path}`,
        headers: call.headers,
        body: call.body,
        signal,
      });
    } catch (error) {
      if (signal.aborted) throw error;
      throw toTransportError(error, 'Bench');
    }
    return response.body.json();
  };
  const client = new UpstreamClient({
    providerName: 'Bench',
    baseUrl: `${origin}/v1`,
    timeoutMs: 60_000,
  });
  const viaDispatch = async (): Promise<unknown> => {
    const response = await client.send(call, new CancelSignal());
    return response.body.json();
  };

  const variants = { request: viaRequest, dispatch: viaDispatch } as const;
  for (const [label, inFlight] of [
    ['sequential', 1],
    [`${CONCURRENCY} concurrent`, CONCURRENCY],
  ] as const) {
    const calls = inFlight === 1 ? Math.ceil(CALLS / 4) : CALLS;
    const samples: Record<keyof typeof variants, number[]> = { request: [], dispatch: [] };
    // Round 0 warms both up and is not counted.
    for (let round = 0; round <= ROUNDS; round += 1) {
      for (const name of Object.keys(variants) as Array<keyof typeof variants>) {
        const perCall = await measure(variants[name], calls, inFlight);
        if (round > 0) samples[name].push(perCall);
      }
    }
    const request = median(samples.request);
    const dispatch = median(samples.dispatch);
    console.log(
      `${label}: Pool.request ${request.toFixed(1)} µs CPU/call, Pool.dispatch ${dispatch.toFixed(1)} µs` +
        ` (−${(request - dispatch).toFixed(1)} µs, ${calls} calls × ${ROUNDS} rounds;` +
        ` request ${samples.request.map((value) => value.toFixed(1)).join('/')},` +
        ` dispatch ${samples.dispatch.map((value) => value.toFixed(1)).join('/')})`,
    );
  }
  await pool.close();
  await client.close();
  child.kill();
}

async function measure(
  send: () => Promise<unknown>,
  calls: number,
  inFlight: number,
): Promise<number> {
  let next = 0;
  const worker = async () => {
    while (next < calls) {
      next += 1;
      await send();
    }
  };
  const start = process.cpuUsage();
  await Promise.all(Array.from({ length: inFlight }, worker));
  const used = process.cpuUsage(start);
  return (used.user + used.system) / calls;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}
