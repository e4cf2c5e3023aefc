import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { type TestContext, test } from 'node:test';
import { hashKey } from '../../src/accounts/api-keys.js';
import type { RunningGateway } from '../../src/start-gateway.js';
import { type CapturedLogs, captureLogs } from '../helpers/captured-logs.js';
import type { FakeUpstream } from '../helpers/fake-upstream.js';
import { createGate } from '../helpers/gate.js';
import { postJson, readSse } from '../helpers/http.js';
import { openAIChatCompletion, openAIStreamEvents } from '../helpers/openai-fixtures.js';
import { defaultTestConfig, startTestGatewayFor } from '../helpers/start-test-gateway.js';

const messages = [{ role: 'user', content: 'hi' }];

interface Harness {
  gateway: RunningGateway;
  upstream: FakeUpstream;
  adminKey: string;
  apiUrl: string;
  logs: CapturedLogs;
}

async function start(t: TestContext, extra: object = {}): Promise<Harness> {
  const logs = captureLogs('info', { redact: true });
  const harness = await startTestGatewayFor(t, {
    logger: logs.logger,
    countTokens: false,
    config: (url) => ({ ...(defaultTestConfig(url) as object), ...extra }),
  });
  const { gateway, upstream, key, apiUrl } = harness;
  return { gateway, upstream, adminKey: key, apiUrl, logs };
}

/** Chat answers the upstream gives at once: streamed when asked, else JSON. */
function routeChatAnswers(upstream: FakeUpstream): void {
  upstream.route('/v1/chat/completions', (request) => {
    const body = request.body as { stream?: boolean };
    return body.stream === true
      ? { kind: 'sse', events: openAIStreamEvents({ contents: ['stre', 'amed'] }) }
      : { kind: 'json', body: openAIChatCompletion({ content: 'ok' }) };
  });
}

/** The value of one sample line (`name{labels} value`) of an exposition, or null. */
function sample(text: string, series: string): number | null {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? null : Number(line.slice(series.length + 1));
}

test('GET /metrics counts requests, latencies, upstream attempts, ledger writes and stream state', async (t) => {
  const harness = await start(t);
  routeChatAnswers(harness.upstream);
  const plain = await postJson(harness.apiUrl, '/chat/completions', harness.adminKey, {
    model: 'test/model',
    messages,
  });
  assert.equal(plain.status, 200);
  await plain.text();
  const streamed = await postJson(harness.apiUrl, '/chat/completions', harness.adminKey, {
    model: 'test/model',
    messages,
    stream: true,
  });
  assert.equal((await readSse(streamed)).done, true);
  harness.upstream.route('/v1/chat/completions', { kind: 'json', status: 500, body: {} });
  const failed = await postJson(harness.apiUrl, '/chat/completions', harness.adminKey, {
    model: 'test/model',
    messages,
  });
  assert.equal(failed.status, 502);
  await failed.text();
  const unauthorized = await postJson(harness.apiUrl, '/chat/completions', 'sk-wrong', {});
  assert.equal(unauthorized.status, 401);
  await unauthorized.text();
  await harness.gateway.context.ledger.flush();

  const response = await fetch(`${harness.gateway.url}/metrics`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  const route = 'method="POST",route="/api/v1/chat/completions"';
  assert.equal(sample(text, `tollgate_http_requests_total{${route},status="200"}`), 2);
  assert.equal(sample(text, `tollgate_http_requests_total{${route},status="502"}`), 1);
  assert.equal(sample(text, `tollgate_http_requests_total{${route},status="401"}`), 1);
  assert.equal(sample(text, `tollgate_http_request_duration_seconds_count{${route}}`), 4);
  assert.equal(sample(text, 'tollgate_upstream_requests_total{provider="Acme",status="200"}'), 2);
  assert.ok((sample(text, 'tollgate_upstream_errors_total{provider="Acme"}') ?? 0) >= 1);
  assert.equal(sample(text, 'tollgate_ledger_writes_total'), 3);
  assert.equal(sample(text, 'tollgate_ledger_batch_size_sum'), 3);
  assert.equal(sample(text, 'tollgate_ledger_queue_depth'), 0);
  assert.equal(sample(text, 'tollgate_open_streams'), 0, 'the finished stream is closed');
  assert.ok(sample(text, 'tollgate_event_loop_lag_seconds{quantile="0.99"}') !== null);
  assert.equal(sample(text, 'tollgate_redis_errors_total'), 0);
  // No secret and no key hash is ever a label.
  assert.ok(!text.includes(harness.adminKey));
  assert.ok(!text.includes(hashKey(harness.adminKey)));
  assert.ok(!text.includes('sk-upstream-secret'));
});

test('an open stream is counted while it runs', async (t) => {
  const harness = await start(t);
  const held = createGate();
  const upstreamReached = createGate();
  harness.upstream.route('/v1/chat/completions', async () => {
    upstreamReached.open();
    await held.opened;
    return { kind: 'sse', events: openAIStreamEvents({ contents: ['late'] }) };
  });
  const pending = postJson(harness.apiUrl, '/chat/completions', harness.adminKey, {
    model: 'test/model',
    messages,
    stream: true,
  });
  await upstreamReached.opened;
  const during = await (await fetch(`${harness.gateway.url}/metrics`)).text();
  assert.equal(sample(during, 'tollgate_open_streams'), 1);
  held.open();
  await readSse(await pending);
});

test('two gateways in one process keep separate metrics', async (t) => {
  const first = await start(t);
  const second = await start(t);
  await (await fetch(`${first.gateway.url}/health`)).text();
  await (await fetch(`${first.gateway.url}/health`)).text();
  const series = 'tollgate_http_requests_total{method="GET",route="/health",status="200"}';
  const one = await (await fetch(`${first.gateway.url}/metrics`)).text();
  const two = await (await fetch(`${second.gateway.url}/metrics`)).text();
  assert.equal(sample(one, series), 2);
  assert.equal(sample(two, series), null);
});

test('/metrics requires its token when one is configured, and is absent when disabled', async (t) => {
  const token = 'metrics-token-0123456789';
  const guarded = await start(t, { metrics: { token } });
  const anonymous = await fetch(`${guarded.gateway.url}/metrics`);
  assert.equal(anonymous.status, 401);
  const body = (await anonymous.json()) as { error: { code: number } };
  assert.equal(body.error.code, 401);
  const wrong = await fetch(`${guarded.gateway.url}/metrics`, {
    headers: { authorization: `Bearer ${token}x` },
  });
  assert.equal(wrong.status, 401);
  await wrong.text();
  const allowed = await fetch(`${guarded.gateway.url}/metrics`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(allowed.status, 200);
  await allowed.text();
  const disabled = await start(t, { metrics: { enabled: false } });
  const missing = await fetch(`${disabled.gateway.url}/metrics`);
  assert.equal(missing.status, 404);
  await missing.text();
});

test('/ready answers 200 with its checks, and 503 in the error envelope when Redis is down', async (t) => {
  const healthy = await start(t);
  const ready = await fetch(`${healthy.gateway.url}/ready`);
  assert.equal(ready.status, 200);
  assert.deepEqual(await ready.json(), {
    status: 'ok',
    checks: { storage: 'ok', redis: 'not_configured' },
  });
  const withRedis = await start(t, {
    redis_url: process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379',
  });
  const redisReady = await fetch(`${withRedis.gateway.url}/ready`);
  assert.equal(redisReady.status, 200);
  assert.deepEqual(await redisReady.json(), {
    status: 'ok',
    checks: { storage: 'ok', redis: 'ok' },
  });
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.ok(typeof address === 'object' && address !== null);
  const broken = await start(t, { redis_url: `redis://127.0.0.1:${address.port}` });
  const notReady = await fetch(`${broken.gateway.url}/ready`);
  assert.equal(notReady.status, 503);
  assert.equal(notReady.headers.get('retry-after'), '1');
  const body = (await notReady.json()) as {
    error: { code: number; metadata: { checks: Record<string, string> } };
  };
  assert.equal(body.error.code, 503);
  assert.deepEqual(body.error.metadata.checks, { storage: 'ok', redis: 'unavailable' });
  const metrics = await (await fetch(`${broken.gateway.url}/metrics`)).text();
  assert.ok((sample(metrics, 'tollgate_redis_errors_total') ?? 0) > 0, 'Redis errors are counted');
});

test('every request leaves one JSON access-log line with request and generation ids, no secrets', async (t) => {
  const harness = await start(t);
  routeChatAnswers(harness.upstream);
  const plain = await postJson(harness.apiUrl, '/chat/completions', harness.adminKey, {
    model: 'test/model',
    messages,
  });
  await plain.text();
  const streamed = await postJson(harness.apiUrl, '/chat/completions', harness.adminKey, {
    model: 'test/model',
    messages,
    stream: true,
  });
  await readSse(streamed);
  const lookup = await fetch(
    `${harness.apiUrl}/generation?id=${plain.headers.get('x-generation-id')}`,
    { headers: { authorization: `Bearer ${harness.adminKey}` } },
  );
  await lookup.text();
  await harness.gateway.close();

  const access = harness.logs.records().filter((line) => line['msg'] === 'request');
  assert.equal(access.length, 3);
  const [first, second, third] = access;
  for (const line of access) {
    assert.match(String(line['request_id']), /^req-\d+-[A-Za-z0-9]{20}$/);
    assert.equal(typeof line['duration_ms'], 'number');
  }
  assert.equal(first?.['method'], 'POST');
  assert.equal(first?.['route'], '/api/v1/chat/completions');
  assert.equal(first?.['status'], 200);
  assert.equal(first?.['generation_id'], plain.headers.get('x-generation-id'));
  assert.equal(second?.['generation_id'], streamed.headers.get('x-generation-id'));
  assert.match(String(second?.['generation_id']), /^gen-/);
  assert.equal(third?.['route'], '/api/v1/generation');
  assert.equal(third?.['generation_id'], null);
  assert.notEqual(first?.['request_id'], second?.['request_id']);
  const everything = JSON.stringify(harness.logs.records());
  assert.ok(!everything.includes(harness.adminKey));
  assert.ok(!everything.includes(hashKey(harness.adminKey)));
  assert.ok(!everything.includes('sk-upstream-secret'));
});

test('/metrics counts upstream cost reports and their exact drift from our cost', async (t) => {
  const harness = await start(t);
  // 10 prompt × 0.000001 + 20 completion × 0.000002 = 0.00005 USD at the configured prices.
  const reporting = (cost: number) => {
    const body = openAIChatCompletion({ content: 'ok' });
    (body.usage as unknown as { cost: number }).cost = cost;
    return { kind: 'json' as const, body };
  };
  const send = async () => {
    const response = await postJson(harness.apiUrl, '/chat/completions', harness.adminKey, {
      model: 'test/model',
      messages,
    });
    assert.equal(response.status, 200);
    return (await response.json()) as { id: string };
  };
  harness.upstream.route('/v1/chat/completions', reporting(0.00005));
  const agreeing = await send();
  harness.upstream.route('/v1/chat/completions', reporting(0.00006));
  await send();
  harness.upstream.route('/v1/chat/completions', {
    kind: 'json',
    body: openAIChatCompletion({ content: 'no cost reported' }),
  });
  await send();
  await harness.gateway.context.ledger.flush();

  const lookup = await fetch(`${harness.apiUrl}/generation?id=${agreeing.id}`, {
    headers: { authorization: `Bearer ${harness.adminKey}` },
  });
  const record = ((await lookup.json()) as { data: Record<string, unknown> }).data;
  assert.equal(record['upstream_reported_cost'], 0.00005, 'the reported cost is kept beside ours');
  assert.equal(record['upstream_inference_cost'], 0.00005);

  const text = await (await fetch(`${harness.gateway.url}/metrics`)).text();
  assert.equal(sample(text, 'tollgate_upstream_cost_reports_total{provider="Acme"}'), 2);
  assert.equal(sample(text, 'tollgate_upstream_cost_drift_total{provider="Acme"}'), 1);
  assert.equal(sample(text, 'tollgate_upstream_cost_drift_usd_total{provider="Acme"}'), 0.00001);
});
