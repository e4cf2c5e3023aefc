/**
 * `npm run soak -- --minutes 30`: mixed load against a Tollgate process on loopback for a while,
 * sampling the process's RSS and open file descriptors, then checks that nothing drifted and
 * that the ledger reconciles.
 *
 * Load (closed loop, `--concurrency` workers): non-stream chats, streams, streams the client
 * abandons after the first chunk, generation lookups, upstream failures (502) and bad requests
 * (400). Pass criteria: no unexpected answer, RSS and open fds grown < 5 % (median of the first
 * fifth after warm-up vs. the last fifth; a fall is printed, it is no leak), every received
 * generation id readable (abandoned streams' ids at the end: their records commit once the
 * gateway notices), Σ record usage = the key's usage on GET /key, to the pico-dollar.
 *
 *   npm run soak                     30 minutes
 *   npm run soak -- --minutes 1      a smoke run
 *   options: --concurrency N (default 8) --main FILE (default: the TypeScript source through tsx)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    concurrency: { type: 'string', default: '8' },
    main: { type: 'string' },
  },
});
const MINUTES = Number(values.minutes);
const CONCURRENCY = Number(values.concurrency);
const SAMPLE_EVERY_MS = Math.max(1000, Math.min(10_000, (MINUTES * 60_000) / 120));
const DRIFT_LIMIT = 0.05;

/** Outcome counters by operation. */
type Operation = 'chat' | 'stream' | 'cancel' | 'lookup' | 'upstream-error' | 'bad-request';
const OPERATIONS: Array<[Operation, number]> = [
  ['chat', 35],
  ['stream', 25],
  ['cancel', 10],
  ['lookup', 15],
  ['upstream-error', 8],
  ['bad-request', 7],
];

// ---------- the fake upstream: OpenAI's wire format, lean (no recording) ----------

function usage(completionTokens: number) {
  return {
    prompt_tokens: 12,
    completion_tokens: completionTokens,
    total_tokens: 12 + completionTokens,
    prompt_tokens_details: { cached_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0 },
  };
}

function chunk(delta: object, finishReason: string | null, extra: object = {}) {
  return JSON.stringify({
    id: 'chatcmpl-soak',
    object: 'chat.completion.chunk',
    created: 1_735_689_600,
    model: 'soak-1',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...extra,
  });
}

async function startUpstream(): Promise<{ server: Server; url: string }> {
  let counter = 0;
  const server = createServer((request, response) => {
    const parts: Buffer[] = [];
    request.on('data', (part: Buffer) => parts.push(part));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(parts).toString('utf8')) as {
        model: string;
        stream?: boolean;
      };
      counter += 1;
      const words = 3 + (counter % 17);
      if (body.model === 'soak-fail') {
        response.writeHead(500, { 'content-type': 'application/json' });
        response.end('{"error":{"message":"soak upstream failure","type":"server_error"}}');
        return;
      }
      if (body.stream !== true) {
        const payload = JSON.stringify({
          id: 'chatcmpl-soak',
          object: 'chat.completion',
          created: 1_735_689_600,
          model: 'soak-1',
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: 'word '.repeat(words), refusal: null },
              logprobs: null,
              finish_reason: 'stop',
            },
          ],
          usage: usage(words),
        });
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(payload);
        return;
      }
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      const events = [chunk({ role: 'assistant', content: '' }, null, { usage: null })];
      for (let index = 0; index < words; index += 1) {
        events.push(chunk({ content: ' word' }, null, { usage: null }));
      }
      events.push(chunk({}, 'stop', { usage: null }));
      events.push(chunk({}, null, { choices: [], usage: usage(words) }));
      events.push('[DONE]');
      // The slow model stops after its first words, until the gateway hangs up.
      const hold = body.model === 'soak-slow' ? 2 : events.length;
      let index = 0;
      const writeNext = () => {
        if (response.destroyed) return;
        if (index === hold) return;
        if (index === events.length) {
          response.end();
          return;
        }
        response.write(`data: ${events[index]}\n\n`);
        index += 1;
        setImmediate(writeNext);
      };
      writeNext();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

// ---------- the gateway process ----------

function gatewayConfig(upstreamUrl: string): object {
  const pricing = { prompt: '0.000001', completion: '0.000002' };
  const endpoint = (model: string) => ({ provider: 'Soak', model, pricing });
  return {
    providers: [
      { name: 'Soak', kind: 'openai', base_url: `${upstreamUrl}/v1`, api_key: 'sk-soak-upstream' },
    ],
    models: [
      { id: 'soak/model', endpoints: [endpoint('soak-1')] },
      { id: 'soak/slow', endpoints: [endpoint('soak-slow')] },
      { id: 'soak/fail', endpoints: [endpoint('soak-fail')] },
    ],
  };
}

async function startGatewayProcess(
  dataDir: string,
  upstreamUrl: string,
  adminKey: string,
): Promise<{ child: ChildProcess; url: string }> {
  const configPath = join(dataDir, 'soak-config.json');
  writeFileSync(configPath, JSON.stringify(gatewayConfig(upstreamUrl)));
  const args =
    values.main === undefined ? ['--import', 'tsx', 'packages/server/src/main.ts'] : [values.main];
  const child = spawn(process.execPath, args, {
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      TOLLGATE_DATA_DIR: dataDir,
      TOLLGATE_CONFIG: configPath,
      TOLLGATE_ADMIN_KEY: adminKey,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let output: string | null = '';
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code}: ${output}`)));
    child.stdout?.on('data', (data: Buffer) => {
      if (output === null) return; // started: drain the pipe, keep nothing
      output += data.toString('utf8');
      const match = /listening on (http:\/\/[^\s)]+)/.exec(output);
      if (match?.[1] !== undefined) {
        output = null;
        resolve(match[1]);
      }
    });
  });
  return { child, url };
}

/** RSS (kB) and open file descriptors of a process, from /proc. */
function sampleProcess(pid: number): { rssKb: number; fds: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return { rssKb, fds: readdirSync(`/proc/${pid}/fd`).length };
}

// ---------- the load ----------

interface Totals {
  requests: number;
  byOperation: Record<Operation, number>;
  unexpected: Unexpected;
  /** Ids of finished responses: their records are committed, lookups may pick them. */
  ids: string[];
  /** Ids of streams the client abandoned: committed once the gateway notices, checked at the end. */
  cancelledIds: string[];
}

/** Unexpected answers: the first few are printed as they happen, all are counted. */
class Unexpected extends Array<string> {
  override push(...items: string[]): number {
    for (const item of items) {
      if (this.length < 20) console.log(`soak: ${new Date().toISOString()} UNEXPECTED ${item}`);
    }
    return super.push(...items);
  }
}

function pickOperation(roll: number): Operation {
  let left = roll;
  for (const [operation, weight] of OPERATIONS) {
    if (left < weight) return operation;
    left -= weight;
  }
  return 'chat';
}

async function runOperation(
  operation: Operation,
  apiUrl: string,
  key: string,
  totals: Totals,
): Promise<void> {
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const messages = [{ role: 'user', content: 'soak test prompt' }];
  const post = (body: unknown, signal?: AbortSignal) =>
    fetch(`${apiUrl}/chat/completions`, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      ...(signal === undefined ? {} : { signal }),
    });
  const expect = async (response: Response, status: number, what: string) => {
    const id = response.headers.get('x-generation-id');
    const text = await response.text();
    if (response.status !== status) {
      totals.unexpected.push(`${what}: ${response.status} ${text.slice(0, 200)}`);
    } else if (id !== null && status !== 400) totals.ids.push(id);
    return text;
  };
  switch (operation) {
    case 'chat':
      await expect(await post({ model: 'soak/model', messages }), 200, operation);
      return;
    case 'stream': {
      const text = await expect(
        await post({ model: 'soak/model', messages, stream: true }),
        200,
        operation,
      );
      if (!text.includes('data: [DONE]')) totals.unexpected.push(`stream without [DONE]`);
      return;
    }
    case 'cancel': {
      const controller = new AbortController();
      const response = await post(
        { model: 'soak/slow', messages, stream: true },
        controller.signal,
      );
      const id = response.headers.get('x-generation-id');
      const reader = response.body?.getReader();
      await reader?.read();
      controller.abort();
      await reader?.cancel().catch(() => undefined);
      if (response.status !== 200 || id === null) {
        totals.unexpected.push(`cancel: ${response.status}`);
      } else totals.cancelledIds.push(id);
      return;
    }
    case 'lookup': {
      const id = totals.ids[Math.floor(Math.random() * totals.ids.length)];
      if (id === undefined) return;
      const response = await fetch(`${apiUrl}/generation?id=${id}`, { headers });
      await expect(response, 200, operation);
      return;
    }
    case 'upstream-error':
      await expect(await post({ model: 'soak/fail', messages }), 502, operation);
      return;
    case 'bad-request':
      await expect(await post({ model: 'soak/model', messages: [] }), 400, operation);
      return;
    default: {
      const unknown: never = operation;
      throw new Error(`unknown operation ${String(unknown)}`);
    }
  }
}

// ---------- checks ----------

const median = (numbers: number[]) => {
  const sorted = [...numbers].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

/** Relative change between the first and last fifth of the samples after the warm-up fifth. */
function drift(samples: number[]): { first: number; last: number; drift: number } {
  const fifth = Math.max(1, Math.floor(samples.length / 5));
  const first = median(samples.slice(fifth, 2 * fifth));
  const last = median(samples.slice(-fifth));
  return { first, last, drift: (last - first) / first };
}

const toPico = (usd: number) => BigInt(Math.round(usd * 1e12));

async function reconcile(apiUrl: string, key: string, ids: string[]): Promise<string[]> {
  const problems: string[] = [];
  const headers = { authorization: `Bearer ${key}` };
  let sum = 0n;
  const unique = [...new Set(ids)];
  for (let offset = 0; offset < unique.length; offset += 32) {
    const batch = unique.slice(offset, offset + 32);
    const records = await Promise.all(
      batch.map(async (id) => {
        const response = await fetch(`${apiUrl}/generation?id=${id}`, { headers });
        if (response.status !== 200) return { id, usage: null };
        const { data } = (await response.json()) as { data: { usage: number } };
        return { id, usage: data.usage };
      }),
    );
    for (const record of records) {
      if (record.usage === null) problems.push(`generation ${record.id} is missing`);
      else sum += toPico(record.usage);
    }
  }
  const keyResponse = await fetch(`${apiUrl}/key`, { headers });
  const { data } = (await keyResponse.json()) as { data: { usage: number } };
  const keyUsage = toPico(data.usage);
  const difference = sum > keyUsage ? sum - keyUsage : keyUsage - sum;
  console.log(
    `soak: ${unique.length} generation ids read back; Σ record usage ${Number(sum) / 1e12} USD, /key usage ${data.usage} USD`,
  );
  // Each record's usage is exact pico-USD rendered as a float: at most half a pico off apiece.
  if (difference > BigInt(unique.length)) {
    problems.push(`ledger does not reconcile: Σ records ${sum} pico ≠ key usage ${keyUsage} pico`);
  }
  return problems;
}

// ---------- main ----------

async function main(): Promise<number> {
  const dataDir = await mkdtemp(join(tmpdir(), 'tollgate-soak-'));
  const upstream = await startUpstream();
  const adminKey = `sk-tg-v1-soak${Math.random().toString(36).slice(2)}${Date.now()}`;
  const gateway = await startGatewayProcess(dataDir, upstream.url, adminKey);
  const apiUrl = `${gateway.url}/api/v1`;
  const pid = gateway.child.pid as number;
  try {
    const created = await fetch(`${apiUrl}/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'soak' }),
    });
    const { key } = (await created.json()) as { key: string };
    const totals: Totals = {
      requests: 0,
      byOperation: Object.fromEntries(
        OPERATIONS.map(([name]) => [name, 0]),
      ) as Totals['byOperation'],
      unexpected: new Unexpected(),
      ids: [],
      cancelledIds: [],
    };
    const samples: Array<{ rssKb: number; fds: number }> = [];
    const endAt = Date.now() + MINUTES * 60_000;
    console.log(
      `soak: ${MINUTES} min, ${CONCURRENCY} workers, gateway pid ${pid} at ${gateway.url}, sampling every ${SAMPLE_EVERY_MS} ms`,
    );
    const sampler = setInterval(() => {
      const sample = sampleProcess(pid);
      samples.push(sample);
      if (samples.length % 10 === 0) {
        console.log(
          `soak: ${new Date().toISOString()} requests ${totals.requests} rss ${(sample.rssKb / 1024).toFixed(1)} MB fds ${sample.fds} unexpected ${totals.unexpected.length}`,
        );
      }
    }, SAMPLE_EVERY_MS);
    const worker = async () => {
      while (Date.now() < endAt) {
        const operation = pickOperation(Math.random() * 100);
        totals.requests += 1;
        totals.byOperation[operation] += 1;
        try {
          await runOperation(operation, apiUrl, key, totals);
        } catch (error) {
          totals.unexpected.push(`${operation}: ${String(error)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    clearInterval(sampler);

    const rss = drift(samples.map((sample) => sample.rssKb));
    const fds = drift(samples.map((sample) => sample.fds));
    console.log(`soak: ${totals.requests} requests ${JSON.stringify(totals.byOperation)}`);
    console.log(
      `soak: RSS ${(rss.first / 1024).toFixed(1)} MB → ${(rss.last / 1024).toFixed(1)} MB (drift ${(rss.drift * 100).toFixed(2)} %); fds ${fds.first} → ${fds.last} (drift ${(fds.drift * 100).toFixed(2)} %); ${samples.length} samples`,
    );
    const problems = [...totals.unexpected.slice(0, 20)];
    if (totals.unexpected.length > 0)
      problems.push(`${totals.unexpected.length} unexpected answers`);
    if (samples.length < 10) problems.push(`only ${samples.length} samples: run longer`);
    // Growth is what a leak looks like; a fall (a high-water mark in the first window) is not.
    if (rss.drift >= DRIFT_LIMIT) problems.push(`RSS grew ${(rss.drift * 100).toFixed(2)} %`);
    if (fds.drift >= DRIFT_LIMIT) problems.push(`open fds grew ${(fds.drift * 100).toFixed(2)} %`);
    problems.push(...(await reconcile(apiUrl, key, [...totals.ids, ...totals.cancelledIds])));
    for (const problem of problems) console.log(`soak: FAIL ${problem}`);
    console.log(problems.length === 0 ? 'soak: PASS' : 'soak: FAIL');
    return problems.length === 0 ? 0 : 1;
  } finally {
    gateway.child.kill('SIGTERM');
    await new Promise((resolve) => gateway.child.once('exit', resolve));
    upstream.server.close();
    upstream.server.closeAllConnections();
    await rm(dataDir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
