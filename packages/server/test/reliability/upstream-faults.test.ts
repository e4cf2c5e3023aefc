/**
 * Upstream faults over real sockets: every fault the faulty upstream can inject, non-stream and
 * stream, with and without a fallback endpoint. Each yields the documented status, a committed
 * record with finish_reason `error` and no charge (zero-completion insurance), and leaves no
 * socket, timer or memory behind.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ErrorEnvelopeSchema } from '@tollgate/protocol';
import { hashKey } from '../../src/accounts/api-keys.js';
import {
  closedPort,
  type Fault,
  type FaultyUpstream,
  startFaultyUpstream,
} from '../helpers/faulty-upstream.js';
import { getGeneration, postJson, readSse } from '../helpers/http.js';
import { openAIChatCompletion } from '../helpers/openai-fixtures.js';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';
import { collectGarbage, countResources } from './measure.js';

const TIMEOUT_MS = 400;
const messages = [{ role: 'user', content: 'hi' }];

function config(healthyUrl: string, faultyUrl: string, refusedPort: number): unknown {
  const pricing = { prompt: '0.000001', completion: '0.000002' };
  return {
    providers: [
      { name: 'Faulty', kind: 'openai', base_url: `${faultyUrl}/v1`, timeout_ms: TIMEOUT_MS },
      { name: 'Healthy', kind: 'openai', base_url: `${healthyUrl}/v1` },
      { name: 'Closed', kind: 'openai', base_url: `http://127.0.0.1:${refusedPort}/v1` },
    ],
    models: [
      { id: 'test/faulty', endpoints: [{ provider: 'Faulty', model: 'f', pricing }] },
      { id: 'test/refused', endpoints: [{ provider: 'Closed', model: 'c', pricing }] },
      {
        id: 'test/fallback',
        endpoints: [
          { provider: 'Faulty', model: 'f', pricing },
          { provider: 'Healthy', model: 'h', pricing },
        ],
      },
      {
        id: 'test/refused-fallback',
        endpoints: [
          { provider: 'Closed', model: 'c', pricing },
          { provider: 'Healthy', model: 'h', pricing },
        ],
      },
    ],
  };
}

/** What a fault must produce when no fallback is possible. */
interface FaultCase {
  name: string;
  fault: Fault | 'refused';
  status: number;
  message: RegExp;
  retryAfter?: string | null;
}

const NON_STREAM: FaultCase[] = [
  { name: 'connection refused', fault: 'refused', status: 502, message: /unreachable|refused/i },
  {
    name: 'reset before headers',
    fault: { kind: 'reset-before-headers' },
    status: 502,
    message: /./,
  },
  { name: 'reset during the body', fault: { kind: 'reset-mid-body' }, status: 502, message: /./ },
  {
    name: 'hang before headers',
    fault: { kind: 'hang-before-headers' },
    status: 524,
    message: /timed out/,
  },
  {
    name: 'hang during the body',
    fault: { kind: 'hang-mid-body' },
    status: 524,
    message: /timed out/,
  },
  { name: 'garbage JSON', fault: { kind: 'garbage' }, status: 502, message: /invalid response/ },
  {
    name: '429 with Retry-After',
    fault: { kind: 'status', status: 429, retryAfter: '3' },
    status: 429,
    message: /injected 429/,
    retryAfter: '3',
  },
  {
    name: '429 without Retry-After',
    fault: { kind: 'status', status: 429 },
    status: 429,
    message: /injected 429/,
    retryAfter: null,
  },
  { name: '500', fault: { kind: 'status', status: 500 }, status: 502, message: /injected 500/ },
  {
    name: '500 with Retry-After',
    fault: { kind: 'status', status: 500, retryAfter: '2' },
    status: 502,
    message: /injected 500/,
    retryAfter: '2',
  },
  {
    name: '503 with Retry-After',
    fault: { kind: 'status', status: 503, retryAfter: '9' },
    status: 529,
    message: /injected 503/,
    retryAfter: '9',
  },
  { name: '503', fault: { kind: 'status', status: 503 }, status: 529, message: /injected 503/ },
  { name: '529', fault: { kind: 'status', status: 529 }, status: 529, message: /injected 529/ },
  {
    name: '529 with Retry-After',
    fault: { kind: 'status', status: 529, retryAfter: '5' },
    status: 529,
    message: /injected 529/,
    retryAfter: '5',
  },
];

const STREAM: FaultCase[] = [
  {
    name: 'reset before headers',
    fault: { kind: 'reset-before-headers' },
    status: 502,
    message: /./,
  },
  {
    name: 'hang before headers',
    fault: { kind: 'hang-before-headers' },
    status: 524,
    message: /timed out/,
  },
  { name: '500', fault: { kind: 'status', status: 500 }, status: 502, message: /injected 500/ },
  { name: 'reset mid-stream', fault: { kind: 'reset-mid-body' }, status: 502, message: /./ },
  { name: 'hang mid-stream', fault: { kind: 'hang-mid-body' }, status: 524, message: /timed out/ },
  { name: 'truncated SSE', fault: { kind: 'truncated-sse' }, status: 502, message: /./ },
  { name: 'garbage SSE', fault: { kind: 'garbage' }, status: 502, message: /./ },
];

describe('upstream faults', () => {
  let harness: TestGateway;
  let faulty: FaultyUpstream;
  let key: string;
  let injected = 0;
  const before_ = { resources: new Map<string, number>(), heap: 0 };

  before(async () => {
    faulty = await startFaultyUpstream();
    const refusedPort = await closedPort();
    harness = await startTestGateway({
      countTokens: false,
      config: (healthyUrl) => config(healthyUrl, faulty.url, refusedPort),
    });
    harness.upstream.route('/v1/chat/completions', { kind: 'json', body: openAIChatCompletion() });
    const created = await postJson(harness.apiUrl, '/keys', harness.key, { name: 'faults' });
    key = ((await created.json()) as { key: string }).key;
    collectGarbage();
    before_.resources = countResources();
    before_.heap = process.memoryUsage().heapUsed;
  });
  after(async () => {
    await harness.close();
    await faulty.close();
  });

  /** Reads the committed record and checks it is an unbilled error. */
  async function expectUnbilledError(id: string) {
    const response = await getGeneration(harness.apiUrl, harness.key, id);
    assert.equal(response.status, 200, `record ${id} exists`);
    const { data } = (await response.json()) as { data: Record<string, unknown> };
    assert.equal(data['finish_reason'], 'error');
    assert.equal(data['total_cost'], 0, 'zero completion tokens: no charge');
    assert.equal(data['usage'], 0);
    return data;
  }

  function modelFor(item: FaultCase): string {
    if (item.fault === 'refused') return 'test/refused';
    faulty.setFault(item.fault);
    return 'test/faulty';
  }

  for (const item of NON_STREAM) {
    test(`non-stream, ${item.name}: ${item.status} in the envelope, record unbilled`, async () => {
      injected += 1;
      const response = await postJson(harness.apiUrl, '/chat/completions', key, {
        model: modelFor(item),
        messages,
      });
      const id = response.headers.get('x-generation-id') ?? '';
      assert.equal(response.status, item.status);
      const envelope = ErrorEnvelopeSchema.parse(await response.json());
      assert.equal(envelope.error.code, item.status);
      assert.match(envelope.error.message, item.message);
      if (item.retryAfter !== undefined) {
        assert.equal(response.headers.get('retry-after'), item.retryAfter);
      }
      await expectUnbilledError(id);
    });
  }

  for (const item of STREAM) {
    test(`stream, ${item.name}: ${item.status}, record unbilled`, async () => {
      injected += 1;
      const response = await postJson(harness.apiUrl, '/chat/completions', key, {
        model: modelFor(item),
        messages,
        stream: true,
      });
      const id = response.headers.get('x-generation-id') ?? '';
      if (response.status === 200) {
        // Headers were already sent: the error arrives as the last chunk.
        const sse = await readSse(response);
        assert.equal(sse.done, false, 'no [DONE] after an error');
        const last = sse.chunks.at(-1) as { error?: { code: number; message: string } };
        assert.equal(last.error?.code, item.status, JSON.stringify(last));
        assert.match(last.error?.message ?? '', item.message);
      } else {
        assert.equal(response.status, item.status);
        const envelope = ErrorEnvelopeSchema.parse(await response.json());
        assert.match(envelope.error.message, item.message);
      }
      await expectUnbilledError(id);
    });
  }

  const retryable: Array<[string, Fault | 'refused']> = [
    ['connection refused', 'refused'],
    ['reset before headers', { kind: 'reset-before-headers' }],
    ['hang before headers', { kind: 'hang-before-headers' }],
    ['429', { kind: 'status', status: 429, retryAfter: '1' }],
    ['500', { kind: 'status', status: 500 }],
    ['503', { kind: 'status', status: 503 }],
    ['529', { kind: 'status', status: 529 }],
  ];
  for (const [name, fault] of retryable) {
    test(`falls back to the next endpoint on ${name}, recording both attempts`, async () => {
      injected += 1;
      const model = fault === 'refused' ? 'test/refused-fallback' : 'test/fallback';
      if (fault !== 'refused') faulty.setFault(fault);
      const response = await postJson(harness.apiUrl, '/chat/completions', harness.key, {
        model,
        messages,
        provider: { order: [fault === 'refused' ? 'Closed' : 'Faulty', 'Healthy'] },
      });
      assert.equal(response.status, 200);
      const body = (await response.json()) as { id: string; provider: string };
      assert.equal(body.provider, 'Healthy');
      const record = await getGeneration(harness.apiUrl, harness.key, body.id);
      const { data } = (await record.json()) as {
        data: { provider_responses: Array<{ status: number | null }>; finish_reason: string };
      };
      assert.equal(data.provider_responses.length, 2);
      assert.equal(data.provider_responses[1]?.status, 200);
      assert.equal(data.finish_reason, 'stop');
    });
  }

  test('serves a slow-drip upstream (one write per turn) in full, stream and not', async () => {
    faulty.setFault({ kind: 'drip', bytesPerWrite: 7 });
    const plain = await postJson(harness.apiUrl, '/chat/completions', harness.key, {
      model: 'test/faulty',
      messages,
    });
    assert.equal(plain.status, 200);
    await plain.json();
    const streamed = await postJson(harness.apiUrl, '/chat/completions', harness.key, {
      model: 'test/faulty',
      messages,
      stream: true,
    });
    const sse = await readSse(streamed);
    assert.equal(sse.done, true);
    assert.ok(sse.text.includes('world'));
  });

  test('decodes an upstream answer with invalid UTF-8 as WHATWG does (U+FFFD), billed as served', async () => {
    // The generation happened and the upstream reports its usage: replacing the bad bytes, as
    // fetch and every browser do, serves and bills it; refusing it would bill nobody for it.
    faulty.setFault({ kind: 'invalid-utf8' });
    const response = await postJson(harness.apiUrl, '/chat/completions', harness.key, {
      model: 'test/faulty',
      messages,
    });
    assert.equal(response.status, 200);
    const body = (await response.json()) as {
      choices: Array<{ message: { content: string } }>;
      usage: { cost: number };
    };
    assert.match(body.choices[0]?.message.content ?? '', /^\uFFFD+ from the fake upstream\.$/);
    assert.ok(body.usage.cost > 0);
  });

  test('passes a 10 MB upstream answer through, with the memory back afterwards', async () => {
    faulty.setFault({ kind: 'huge', bytes: 10 * 1024 * 1024 });
    const response = await postJson(harness.apiUrl, '/chat/completions', harness.key, {
      model: 'test/faulty',
      messages,
    });
    assert.equal(response.status, 200);
    const body = (await response.json()) as { choices: Array<{ message: { content: string } }> };
    assert.equal(body.choices[0]?.message.content.length, 10 * 1024 * 1024);
  });

  test('after every fault: no charge on the key, no leaked socket, timer or memory', async () => {
    faulty.setFault({ kind: 'healthy' });
    const keyResponse = await fetch(`${harness.apiUrl}/key`, {
      headers: { authorization: `Bearer ${key}` },
    });
    const { data } = (await keyResponse.json()) as { data: { usage: number } };
    assert.equal(data.usage, 0, 'failed generations cost the key nothing');
    assert.equal(harness.gateway.context.spendGuard.held(hashKey(key)).key, 0n, 'no hold left');
    collectGarbage();
    const after_ = countResources();
    const heapGrowthMb = (process.memoryUsage().heapUsed - before_.heap) / 2 ** 20;
    console.log(
      `faults: ${injected} injected; resources before ${JSON.stringify(Object.fromEntries(before_.resources))}, after ${JSON.stringify(Object.fromEntries(after_))}; heap ${heapGrowthMb.toFixed(1)} MB; faulty upstream sockets open ${faulty.openSockets}`,
    );
    // Idle keep-alive sockets of the upstream pools are bounded by the pools, not by the faults.
    for (const [name, slack] of [
      ['TCPSocketWrap', 6],
      ['Timeout', 2],
    ] as const) {
      assert.ok(
        (after_.get(name) ?? 0) <= (before_.resources.get(name) ?? 0) + slack,
        `${name}: ${before_.resources.get(name) ?? 0} before, ${after_.get(name) ?? 0} after`,
      );
    }
    assert.ok(heapGrowthMb < 16, `heap grew ${heapGrowthMb.toFixed(1)} MB`);
  });
});
