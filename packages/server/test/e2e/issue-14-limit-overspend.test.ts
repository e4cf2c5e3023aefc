/**
 * Issue 14 (part 1): "a limit is never overspent", under every input. A fake OpenAI-compatible
 * upstream bills like a real one — one prompt token per 4 bytes of the body it receives, the
 * request's `max_tokens` as completion — or over-reports (10 prompt tokens a byte, 100× the
 * output bound). 200 concurrent requests each hit a small key limit (or account credit) with:
 * 40 tools of ~1 KB and "hi"; a `response_format` JSON schema; and plain requests to the
 * over-reporting upstream, half of them streamed. Every accepted request waits at the upstream
 * until all 200 are admitted or refused, so the holds alone decide. On SQLite (one node) and on
 * PostgreSQL + Redis (two nodes): Σ charged ≤ the limit, Σ records' `usage` == the key's (or the
 * account's) usage exactly, and each response's `usage.cost` == its record's `usage`.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { Redis } from 'ioredis';
import { generateKey, hashKey } from '../../src/accounts/api-keys.js';
import { parseConfig } from '../../src/config/load-config.js';
import { parseUsd, usdNumberToPico } from '../../src/ledger/money.js';
import { type RunningGateway, startGateway } from '../../src/start-gateway.js';
import {
  type FakeUpstream,
  type RecordedRequest,
  startFakeUpstream,
} from '../helpers/fake-upstream.js';
import { createFreshPostgresDatabase } from '../helpers/fresh-postgres-database.js';
import { holdUntilAllDecided } from '../helpers/gate.js';
import { getGeneration, postJson, readSse } from '../helpers/http.js';
import { openAIChatCompletion, openAIStreamEvents } from '../helpers/openai-fixtures.js';
import { defaultTestConfig, startTestGateway } from '../helpers/start-test-gateway.js';

const TEST_REDIS_URL = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const TOTAL = 200;

/** The gateways of one backend, the fake upstream they share and a management key. */
interface Deployment {
  apiUrls: string[];
  nodes: RunningGateway[];
  upstream: FakeUpstream;
  adminKey: string;
}

/** SQLite (PostgreSQL under TEST_STORAGE=postgres), one node, limits in memory. */
async function singleNode(t: TestContext): Promise<Deployment> {
  const harness = await startTestGateway({ countTokens: false });
  t.after(() => harness.close());
  return {
    apiUrls: [harness.apiUrl],
    nodes: [harness.gateway],
    upstream: harness.upstream,
    adminKey: harness.key,
  };
}

/** Two nodes on one PostgreSQL database, sharing limits through Redis. */
async function postgresAndRedis(t: TestContext): Promise<Deployment> {
  const upstream = await startFakeUpstream();
  const database = await createFreshPostgresDatabase();
  const dataDir = await mkdtemp(join(tmpdir(), 'tollgate-issue-14-'));
  const prefix = `tgtest:${randomBytes(6).toString('hex')}:`;
  const nodes: RunningGateway[] = [];
  t.after(async () => {
    for (const node of nodes) await node.close();
    await upstream.close();
    await database.drop();
    await rm(dataDir, { recursive: true, force: true });
    const redis = new Redis(TEST_REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });
  const config = parseConfig(
    {
      ...(defaultTestConfig(upstream.url) as object),
      redis_url: TEST_REDIS_URL,
      redis_key_prefix: prefix,
    },
    {},
    'test config',
  );
  const adminKey = generateKey();
  // One after the other: the first runs the migrations and creates the admin key.
  for (const nodeId of ['node-a', 'node-b']) {
    nodes.push(
      await startGateway({
        port: 0,
        dataDir,
        storage: { kind: 'postgres', url: database.url },
        config,
        adminKey,
        countTokens: false,
        nodeId,
      }),
    );
  }
  return { apiUrls: nodes.map((node) => `${node.url}/api/v1`), nodes, upstream, adminKey };
}

/** How the fake upstream bills what it receives. */
type Billing = 'honest' | 'over-reporting';

function usageOf(sent: RecordedRequest, billing: Billing) {
  const maxTokens = (sent.body as { max_tokens?: number }).max_tokens ?? 0;
  return billing === 'honest'
    ? { prompt_tokens: Math.ceil(sent.bodyBytes / 4), completion_tokens: maxTokens }
    : { prompt_tokens: 10 * sent.bodyBytes, completion_tokens: 100 * maxTokens };
}

const hi = [{ role: 'user', content: 'hi' }];

/** 40 tools of about 1 KB each. */
const FORTY_TOOLS = Array.from({ length: 40 }, (_, index) => ({
  type: 'function',
  function: {
    name: `tool_${index}`,
    description: 'Does one thing well. '.repeat(42),
    parameters: { type: 'object', properties: { input: { type: 'string' } } },
  },
}));

const SCHEMA = {
  type: 'object',
  properties: Object.fromEntries(
    Array.from({ length: 60 }, (_, index) => [
      `field_${index}`,
      { type: 'string', description: `Field ${index} of the answer, in one sentence.` },
    ]),
  ),
  additionalProperties: false,
};

interface Scenario {
  name: string;
  body(index: number): Record<string, unknown>;
  billing: Billing;
  limitUsd: string;
}

const SCENARIOS = {
  tools: {
    name: '40 tools of 1 KB, max_tokens 1, "hi"',
    body: () => ({ model: 'test/model', messages: hi, max_tokens: 1, tools: FORTY_TOOLS }),
    billing: 'honest',
    limitUsd: '0.2',
  },
  responseFormat: {
    name: 'a response_format JSON schema',
    body: () => ({
      model: 'test/model',
      messages: hi,
      max_tokens: 1,
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: SCHEMA } },
    }),
    billing: 'honest',
    limitUsd: '0.02',
  },
  overReporting: {
    name: 'an upstream claiming 10× the bytes and 100× max_tokens (half streamed)',
    body: (index) => ({
      model: 'test/model',
      messages: hi,
      max_tokens: 10,
      stream: index % 2 === 1,
    }),
    billing: 'over-reporting',
    limitUsd: '0.005',
  },
} satisfies Record<string, Scenario>;

/**
 * The holds the requests of `scenario` take (even, odd index: a stream's body is a little longer),
 * as the 402 of a key that fits nothing reports them.
 */
async function holdsOf(deployment: Deployment, scenario: Scenario): Promise<[bigint, bigint]> {
  return [await holdOf(deployment, scenario.body(0)), await holdOf(deployment, scenario.body(1))];
}

async function holdOf(deployment: Deployment, body: object): Promise<bigint> {
  const apiUrl = deployment.apiUrls[0] as string;
  const created = await postJson(apiUrl, '/keys', deployment.adminKey, {
    name: 'probe',
    limit: 0.000001,
  });
  const probe = ((await created.json()) as { key: string }).key;
  const refused = await postJson(apiUrl, '/chat/completions', probe, body);
  assert.equal(refused.status, 402);
  const answer = (await refused.json()) as { error: { metadata: { max_cost: string } } };
  return parseUsd(answer.error.metadata.max_cost);
}

/** Answers billed per `billing`, once all `TOTAL` requests have been admitted or refused. */
function gateUpstream(deployment: Deployment, billing: Billing): () => void {
  return holdUntilAllDecided(deployment.upstream, TOTAL, (sent) => {
    const usage = usageOf(sent, billing);
    if ((sent.body as { stream?: boolean }).stream === true) {
      return { kind: 'sse', events: openAIStreamEvents({ contents: ['ok'], usage }) };
    }
    return { kind: 'json', body: openAIChatCompletion({ content: 'ok', usage }) };
  });
}

/** `usage.cost` of a response, JSON or SSE (its usage chunk). */
async function responseCost(response: Response): Promise<number> {
  if ((response.headers.get('content-type') ?? '').includes('text/event-stream')) {
    const read = await readSse(response);
    assert.ok(read.done, 'the stream ends with [DONE]');
    const last = read.chunks.at(-1) as { usage?: { cost: number } };
    assert.ok(last.usage !== undefined, 'the last chunk carries usage');
    return last.usage.cost;
  }
  return ((await response.json()) as { usage: { cost: number } }).usage.cost;
}

interface GenerationData {
  usage: number;
  upstream_inference_cost: number;
  cost_capped: boolean;
  uncapped_cost: number | null;
}

/**
 * Sends `TOTAL` concurrent requests of `scenario` with `key`, alternating between the nodes, and
 * checks the promise: only the holds that fit are admitted, Σ charged ≤ `limit`, each response's
 * cost is its record's. Returns Σ records' usage (pico-USD).
 */
async function overwhelm(
  deployment: Deployment,
  scenario: Scenario,
  key: string,
  limit: bigint,
  holds: [bigint, bigint],
): Promise<bigint> {
  const tick = gateUpstream(deployment, scenario.billing);
  const { apiUrls, adminKey } = deployment;
  const results = await Promise.all(
    Array.from({ length: TOTAL }, async (_, index) => {
      const apiUrl = apiUrls[index % apiUrls.length] as string;
      const response = await postJson(apiUrl, '/chat/completions', key, scenario.body(index));
      if (response.status === 402) {
        tick();
        await response.text();
        return null;
      }
      assert.equal(response.status, 200);
      const id = response.headers.get('x-generation-id');
      assert.ok(id !== null);
      return { id, cost: await responseCost(response), hold: holds[index % 2] as bigint };
    }),
  );
  const served = results.filter((result) => result !== null);
  const records: Array<{ record: GenerationData; cost: number; hold: bigint }> = [];
  let charged = 0n;
  for (const [index, { id, cost, hold }] of served.entries()) {
    // Read through the other node when there are two.
    const apiUrl = apiUrls[(index + 1) % apiUrls.length] as string;
    const response = await getGeneration(apiUrl, adminKey, id);
    assert.equal(response.status, 200);
    const record = ((await response.json()) as { data: GenerationData }).data;
    records.push({ record, cost, hold });
    charged += usdNumberToPico(record.usage);
  }
  assert.ok(charged <= limit, `Σ charged ${charged} ≤ limit ${limit} (${served.length} served)`);
  const [fewest, most] = admissible(limit, holds);
  assert.ok(
    served.length >= fewest && served.length <= most,
    `${served.length} admitted: as many as the holds that fit (${fewest}–${most})`,
  );
  for (const { record, cost, hold } of records) {
    assert.equal(cost, record.usage, "the response's usage.cost is the record's usage");
    const usage = usdNumberToPico(record.usage);
    assert.ok(usage <= hold, `charged ${usage} ≤ its hold ${hold}`);
    if (scenario.billing === 'over-reporting') {
      assert.equal(record.cost_capped, true);
      assert.equal(usage, hold, 'capped at the hold');
      assert.ok(record.uncapped_cost !== null && record.uncapped_cost > record.usage);
      assert.equal(record.uncapped_cost, record.upstream_inference_cost);
    } else {
      assert.equal(record.cost_capped, false);
      assert.equal(record.uncapped_cost, null);
    }
  }
  return charged;
}

/** How many requests fit `limit` at most and at least, whichever of the holds they take. */
function admissible(limit: bigint, holds: [bigint, bigint]): [number, number] {
  const [small, large] = holds[0] < holds[1] ? holds : [holds[1], holds[0]];
  return [Number(limit / large), Number(limit / small)];
}

async function keyUsage(apiUrl: string, key: string): Promise<bigint> {
  const response = await fetch(`${apiUrl}/key`, { headers: { authorization: `Bearer ${key}` } });
  const { data } = (await response.json()) as { data: { usage: number } };
  return usdNumberToPico(data.usage);
}

async function cappedCount(deployment: Deployment): Promise<number> {
  let count = 0;
  for (const node of deployment.nodes) {
    const text = await (await fetch(`${node.url}/metrics`)).text();
    const match = /^tollgate_cost_capped_total\{provider="Acme"\} (\d+)$/m.exec(text);
    count += match === null ? 0 : Number(match[1]);
  }
  return count;
}

async function keyLimitHolds(deployment: Deployment, scenario: Scenario): Promise<void> {
  const holds = await holdsOf(deployment, scenario);
  const limit = parseUsd(scenario.limitUsd);
  const apiUrl = deployment.apiUrls[0] as string;
  const created = await postJson(apiUrl, '/keys', deployment.adminKey, {
    name: 'limited',
    limit: Number(scenario.limitUsd),
  });
  const key = ((await created.json()) as { key: string }).key;
  const charged = await overwhelm(deployment, scenario, key, limit, holds);
  for (const url of deployment.apiUrls) {
    assert.equal(await keyUsage(url, key), charged, 'Σ records == /key usage, on every node');
  }
  const node = deployment.nodes[0] as RunningGateway;
  assert.equal(await node.context.storage.generations.sumUsage(hashKey(key)), charged);
  // The limit is small: a few holds fit, most requests are refused.
  const [fewest, most] = admissible(limit, holds);
  assert.ok(fewest >= 2 && most < 100, `holds of ${holds.join(', ')} fit a few times`);
  const capped = await cappedCount(deployment);
  if (scenario.billing === 'over-reporting') assert.ok(capped >= fewest, `${capped} capped`);
  else assert.equal(capped, 0);
}

async function accountCreditHolds(deployment: Deployment, scenario: Scenario): Promise<void> {
  const holds = await holdsOf(deployment, scenario);
  const credit = parseUsd(scenario.limitUsd);
  const apiUrl = deployment.apiUrls[0] as string;
  const granted = await postJson(apiUrl, '/credits', deployment.adminKey, {
    amount: Number(scenario.limitUsd),
  });
  assert.equal(granted.status, 201);
  // The other node learns of the grant within two seconds; the grant's own node at once.
  const apiUrls = [apiUrl];
  const charged = await overwhelm(
    { ...deployment, apiUrls },
    scenario,
    deployment.adminKey,
    credit,
    holds,
  );
  const response = await fetch(`${apiUrl}/credits`, {
    headers: { authorization: `Bearer ${deployment.adminKey}` },
  });
  const { data } = (await response.json()) as { data: { total_usage: number } };
  assert.equal(usdNumberToPico(data.total_usage), charged, 'Σ records == the account usage');
}

const BACKENDS = [
  {
    name: process.env['TEST_STORAGE'] === 'postgres' ? 'PostgreSQL (one node)' : 'SQLite',
    start: singleNode,
  },
  { name: 'PostgreSQL + Redis (two nodes)', start: postgresAndRedis },
];

for (const backend of BACKENDS) {
  for (const scenario of Object.values(SCENARIOS)) {
    test(`${backend.name}: a key limit is never overspent by ${scenario.name}`, async (t) => {
      await keyLimitHolds(await backend.start(t), scenario);
    });
  }
  test(`${backend.name}: account credit is never overspent by 40 tools of 1 KB`, async (t) => {
    await accountCreditHolds(await backend.start(t), SCENARIOS.tools);
  });
}
