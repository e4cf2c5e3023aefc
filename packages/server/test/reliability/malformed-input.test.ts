/**
 * Malformed input against every endpoint, over raw sockets: the committed corpus, then thousands
 * of fast-check–generated bad requests, against one gateway on SQLite and one on PostgreSQL.
 * Every answer must be a 4xx in OpenRouter's error envelope whose message names the problem;
 * never a 5xx, a hang, a crash or a growing heap; and no bad request reaches the upstream or
 * leaves a billed record.
 *
 * `TOLLGATE_FUZZ_RUNS` (default 2,000) and `TOLLGATE_FUZZ_SEED` (default fixed, `random` allowed) size the generated
 * part; `npm run fuzz` runs a big randomly-seeded round.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { ErrorEnvelopeSchema } from '@tollgate/protocol';
import fc from 'fast-check';
import { postJson } from '../helpers/http.js';
import { openAIChatCompletion } from '../helpers/openai-fixtures.js';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';
import { type BadRequestCase, badRequest } from './bad-requests.js';
import { collectGarbage } from './measure.js';
import { type RawRequest, type RawResponse, requestRaw } from './raw-http.js';

const RUNS = Number(process.env['TOLLGATE_FUZZ_RUNS'] ?? 2000);
const SEED_SETTING = process.env['TOLLGATE_FUZZ_SEED'] ?? '20261122';
/** Fixed by default (a reproducible `npm test`); `random` for exploration, printed to replay. */
const SEED = SEED_SETTING === 'random' ? Date.now() % 2 ** 31 : Number(SEED_SETTING);
const CONCURRENCY = 8;
const BODY_LIMIT = 1024 * 1024;

/** One entry of `corpus/requests.json` (see corpus/README.md). */
interface CorpusEntry {
  name: string;
  method: string;
  target: string;
  headers?: Array<[string, string]>;
  body?: string;
  bodyHex?: string;
  repeat?: [string, number];
  suffix?: string;
  repeatTarget?: [string, number];
  repeatHeader?: [string, number];
  /** Replaces `@NEST@` in `body` with `open` × depth, `inner`, `close` × depth. */
  nest?: { open: string; close: string; depth: number; inner: string };
  noContentLength?: boolean;
  caller?: 'management' | 'inference' | 'none' | 'public';
  status: number | '4xx';
  names: string;
}

type Caller = NonNullable<CorpusEntry['caller']>;

function loadCorpus(): CorpusEntry[] {
  const url = new URL('./corpus/requests.json', import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as CorpusEntry[];
}

function toRawRequest(entry: CorpusEntry): RawRequest {
  let body: Buffer | undefined;
  if (entry.bodyHex !== undefined) body = Buffer.from(entry.bodyHex, 'hex');
  else if (entry.body !== undefined) {
    const repeated = entry.repeat === undefined ? '' : entry.repeat[0].repeat(entry.repeat[1]);
    let text = entry.body + repeated + (entry.suffix ?? '');
    if (entry.nest !== undefined) {
      const { open, close, depth, inner } = entry.nest;
      text = text.replace('@NEST@', `${open.repeat(depth)}${inner}${close.repeat(depth)}`);
    }
    body = Buffer.from(text, 'utf8');
  }
  const headers = (entry.headers ?? []).map(([name, value], index): [string, string] =>
    index === 0 && entry.repeatHeader !== undefined
      ? [name, value + entry.repeatHeader[0].repeat(entry.repeatHeader[1])]
      : [name, value],
  );
  const target =
    entry.repeatTarget === undefined
      ? entry.target
      : entry.target + entry.repeatTarget[0].repeat(entry.repeatTarget[1]);
  return {
    method: entry.method,
    target,
    headers,
    ...(body === undefined ? {} : { body }),
    ...(entry.noContentLength === true ? { noContentLength: true } : {}),
  };
}

/** What is wrong with an answer, or null when it is the expected error envelope. */
function problemWith(
  response: RawResponse,
  status: number | '4xx',
  names: string | null,
): string | null {
  if (
    status === '4xx' ? response.status < 400 || response.status > 499 : response.status !== status
  ) {
    return `status ${response.status}, expected ${status}: ${response.body.toString('utf8').slice(0, 300)}`;
  }
  if (/injected/i.test(response.head)) return `injected header reflected: ${response.head}`;
  if (!/^application\/json/.test(response.headers['content-type'] ?? '')) {
    return `content-type ${response.headers['content-type']}: ${response.body.toString('utf8').slice(0, 200)}`;
  }
  let envelope: ReturnType<typeof ErrorEnvelopeSchema.parse>;
  try {
    envelope = ErrorEnvelopeSchema.parse(JSON.parse(response.body.toString('utf8')));
  } catch {
    return `not the error envelope: ${response.body.toString('utf8').slice(0, 300)}`;
  }
  if (envelope.error.code !== response.status) return `code ${envelope.error.code} ≠ status`;
  if (envelope.error.message.trim() === '') return 'empty message';
  if (names !== null && !envelope.error.message.toLowerCase().includes(names.toLowerCase())) {
    return `message does not name "${names}": ${envelope.error.message.slice(0, 300)}`;
  }
  return null;
}

/** Answers that must never happen, counted over a whole backend's run. */
interface Tally {
  answers: number;
  serverErrors: number;
  notEnvelope: number;
}

function tallyAnswer(tally: Tally, response: RawResponse): void {
  tally.answers += 1;
  if (response.status >= 500) tally.serverErrors += 1;
  let envelope = false;
  try {
    const parsed = ErrorEnvelopeSchema.parse(JSON.parse(response.body.toString('utf8')));
    envelope = parsed.error.code === response.status;
  } catch {
    envelope = false;
  }
  if (!envelope) tally.notEnvelope += 1;
}

for (const backend of ['sqlite', 'postgres'] as const)
  describe(`malformed input (${backend})`, () => {
    let harness: TestGateway;
    let port: number;
    const tally: Tally = { answers: 0, serverErrors: 0, notEnvelope: 0 };
    const keys: Record<Caller, string | null> = {
      management: null,
      inference: null,
      none: null,
      public: null,
    };

    function withKey(request: RawRequest, caller: Caller): RawRequest {
      const key = keys[caller];
      if (key === null) return request;
      return {
        ...request,
        headers: [['authorization', `Bearer ${key}`], ...(request.headers ?? [])],
      };
    }

    before(async () => {
      harness = await startTestGateway({
        countTokens: false,
        bodyLimit: BODY_LIMIT,
        storage: backend,
      });
      port = Number(new URL(harness.apiUrl).port);
      keys.management = harness.key;
      // A limited key: its requests also run the cost bound (max-cost.ts) before dispatch.
      const created = await postJson(harness.apiUrl, '/keys', harness.key, {
        name: 'inference',
        limit: 5,
      });
      keys.inference = ((await created.json()) as { key: string }).key;
      // Should a generated request turn out valid, the upstream answers it normally.
      harness.upstream.route('/v1/chat/completions', {
        kind: 'json',
        body: openAIChatCompletion(),
      });
    });
    after(() => harness.close());

    const corpus = loadCorpus();
    for (const entry of corpus) {
      test(`corpus: answers ${entry.status} in the envelope for ${entry.name}`, async () => {
        const caller = entry.caller ?? 'management';
        const response = await requestRaw(port, withKey(toRawRequest(entry), caller));
        tallyAnswer(tally, response);
        const problem = problemWith(
          response,
          entry.status,
          entry.names === '' ? null : entry.names,
        );
        assert.equal(problem, null, entry.name);
      });
    }

    test(`answers ${RUNS} generated bad requests with a 4xx naming the problem, heap flat`, {
      timeout: Math.max(600_000, RUNS * 20),
    }, async () => {
      // Generated a thousand at a time (each block from its own derived seed), so a big run's
      // bodies are never all in memory at once.
      const block = (index: number) =>
        fc.sample(badRequest, { numRuns: Math.min(1000, RUNS - index * 1000), seed: SEED + index });
      const send = (item: BadRequestCase) =>
        requestRaw(port, withKey(item.request, item.caller)).then(
          (response) => ({ item, response, error: null }),
          (error: unknown) => ({ item, response: null, error: String(error) }),
        );
      // Warm up (JIT, pools, caches) before the baseline, so growth means a leak.
      for (const item of block(0).slice(0, 200)) await send(item);
      collectGarbage();
      const baseline = process.memoryUsage();
      const failures: string[] = [];
      const statuses = new Map<number, number>();
      for (let index = 0; index * 1000 < RUNS; index += 1) {
        const cases = block(index);
        for (let offset = 0; offset < cases.length; offset += CONCURRENCY) {
          const batch = cases.slice(offset, offset + CONCURRENCY);
          for (const { item, response, error } of await Promise.all(batch.map(send))) {
            if (response === null) {
              failures.push(`${item.what}\n    → no answer: ${error}`);
              continue;
            }
            statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
            tallyAnswer(tally, response);
            const problem = problemWith(response, item.status, item.names);
            if (problem !== null) failures.push(`${item.what}\n    → ${problem}`);
          }
        }
      }
      collectGarbage();
      const grown = process.memoryUsage();
      const heapGrowthMb = (grown.heapUsed - baseline.heapUsed) / 2 ** 20;
      const rssGrowthMb = (grown.rss - baseline.rss) / 2 ** 20;
      console.log(
        `fuzz (${backend}): ${RUNS} requests (seed ${SEED}), statuses ${JSON.stringify(Object.fromEntries(statuses))}, heap ${heapGrowthMb.toFixed(1)} MB, rss ${rssGrowthMb.toFixed(1)} MB growth`,
      );
      assert.deepEqual(failures.slice(0, 15), [], `${failures.length} bad answers`);
      // Generous: a leak of even a few hundred bytes a request over a big run shows up here.
      assert.ok(heapGrowthMb < 32, `heap grew ${heapGrowthMb.toFixed(1)} MB`);
      assert.ok(rssGrowthMb < 256, `rss grew ${rssGrowthMb.toFixed(1)} MB`);
    });

    test('no bad request reached the upstream or was billed; no 5xx, no answer outside the envelope', async () => {
      console.log(
        `hostile corpus (${backend}): ${corpus.length} committed + ${RUNS} generated requests, ${tally.answers} answers, ${tally.serverErrors} 5xx, ${tally.notEnvelope} outside the envelope`,
      );
      assert.equal(tally.serverErrors, 0);
      assert.equal(tally.notEnvelope, 0);
      assert.deepEqual(
        harness.upstream.requests.map((request) => `${request.method} ${request.path}`),
        [],
      );
      assert.equal(await harness.gateway.context.storage.generations.count(), 0);
    });
  });
