/**
 * The metered lane (routes/metered-lane.ts, docs/decisions/0042-metered-lane.md) against the
 * Fastify route it stands in front of. The lane takes `POST /api/v1/chat/completions` (and the
 * other two) and declines a trailing slash, which Fastify routes to the same handler: so each
 * request is sent twice, to the lane's path and with the slash, and the two answers must be the
 * same bytes — status line, every header in order (`Date` aside), body — with the generation id
 * as the only difference. Raw sockets: a body that arrives late, a chunked body over the limit,
 * bytes that are not UTF-8.
 */
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Agent, createServer, request as httpRequest } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { type TestContext, test } from 'node:test';
import { GenerationPipeline } from '../../src/generation/pipeline.js';
import { createMeteredLane } from '../../src/routes/metered-lane.js';
import { captureLogs } from '../helpers/captured-logs.js';
import { createGate } from '../helpers/gate.js';
import { createKey, manageKey } from '../helpers/http.js';
import {
  openAIChatCompletion,
  openAIStreamEvents,
  openAITextCompletion,
} from '../helpers/openai-fixtures.js';
import {
  defaultTestConfig,
  startTestGatewayFor,
  type TestGateway,
} from '../helpers/start-test-gateway.js';

const CHAT = '/api/v1/chat/completions';
const COMPLETIONS = '/api/v1/completions';
const EMBEDDINGS = '/api/v1/embeddings';
const FIXED_NOW = Date.UTC(2026, 11, 7, 12, 0, 30);
const BODY_LIMIT = 4096;

/** One answer as it came off the socket: status line and headers in order, the body decoded. */
interface Answer {
  head: string[];
  body: string;
}

function dechunk(bytes: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = bytes.indexOf('\r\n', offset);
    const size = Number.parseInt(bytes.subarray(offset, lineEnd).toString('latin1'), 16);
    if (size === 0) return Buffer.concat(parts);
    parts.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
}

/**
 * Writes `first`, then `rest` once the answer's head has arrived (a body the server must answer
 * before reading), and resolves with the first whole response; the socket is then destroyed.
 */
function exchange(port: number, first: Buffer, rest?: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let received = Buffer.alloc(0);
    let head: string[] | null = null;
    let bodyStart = 0;
    const finish = (body: Buffer) => {
      socket.destroy();
      const lines = (head ?? []).filter((line) => !/^date:/i.test(line));
      resolve({ head: lines, body: body.toString('utf8') });
    };
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (head === null) {
        const end = received.indexOf('\r\n\r\n');
        if (end === -1) return;
        head = received.subarray(0, end).toString('latin1').split('\r\n');
        bodyStart = end + 4;
        if (rest !== undefined) socket.write(rest);
      }
      const body = received.subarray(bodyStart);
      const length = head.find((line) => /^content-length:/i.test(line));
      if (length !== undefined) {
        if (body.length >= Number(length.split(':')[1])) finish(body);
      } else if (body.subarray(-5).toString('latin1') === '0\r\n\r\n') {
        finish(dechunk(body));
      }
    });
    socket.on('close', () => {
      if (head === null) reject(new Error(`closed without an answer: ${received.toString()}`));
    });
    socket.once('connect', () => socket.write(first));
  });
}

/** A request's bytes (keep-alive: no `Connection` header), body sent whole unless `sent` says. */
function requestBytes(
  target: string,
  headers: Array<[string, string]>,
  body: Buffer | string,
  options: { contentLength?: number | null | undefined } = {},
): Buffer {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const lines = [`POST ${target} HTTP/1.1`, 'host: gateway.test'];
  for (const [name, value] of headers) lines.push(`${name}: ${value}`);
  const length = options.contentLength === undefined ? bytes.length : options.contentLength;
  if (length !== null) lines.push(`content-length: ${length}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), bytes]);
}

/** The generation ids of an answer replaced by one placeholder. */
function normalized(answer: Answer): Answer {
  const id = /gen-[A-Za-z0-9_-]+/g;
  return {
    head: answer.head.map((line) => line.replace(id, 'gen-ID')),
    body: answer.body.replace(id, 'gen-ID'),
  };
}

interface Case {
  label: string;
  path: string;
  headers: Array<[string, string]>;
  body: Buffer | string;
  /** Declared Content-Length (null: none); default the body's length. */
  contentLength?: number | null;
  /** Bytes sent only after the answer's head arrived (a body the server must not wait for). */
  late?: Buffer;
  /** The fake upstream's answer for this case. */
  upstream?: () => void;
  status: number;
}

/** Sends `request` to the lane's path and to Fastify's (trailing slash); both answers. */
async function both(port: number, request: Case): Promise<[Answer, Answer]> {
  const send = (target: string) =>
    exchange(
      port,
      requestBytes(target, request.headers, request.body, {
        contentLength: request.contentLength,
      }),
      request.late,
    );
  request.upstream?.();
  const lane = await send(request.path);
  request.upstream?.();
  const route = await send(`${request.path}/`);
  return [lane, route];
}

/** Records the URL of every request whose Fastify route handler runs. */
function watchFastifyHandlers(t: TestContext): string[] {
  const urls: string[] = [];
  const onStart = (message: unknown) => {
    const { request } = message as { request: { url: string } };
    urls.push(request.url);
  };
  subscribe('tracing:fastify.request.handler:start', onStart);
  t.after(() => unsubscribe('tracing:fastify.request.handler:start', onStart));
  return urls;
}

function chatUpstream(harness: TestGateway): () => void {
  return () =>
    harness.upstream.route('/v1/chat/completions', (request) =>
      (request.body as { stream?: boolean }).stream === true
        ? { kind: 'sse', events: openAIStreamEvents({ contents: ['Hel', 'lo'] }) }
        : { kind: 'json', body: openAIChatCompletion({ content: 'Hello!' }) },
    );
}

test('the lane answers every metered request byte for byte as the Fastify route, and logs and counts it the same', async (t) => {
  const logs = captureLogs('info', { redact: true });
  const harness = await startTestGatewayFor(t, {
    countTokens: false,
    now: () => FIXED_NOW,
    bodyLimit: BODY_LIMIT,
    logger: logs.logger,
  });
  const handled = watchFastifyHandlers(t);
  const port = Number(new URL(harness.gateway.url).port);
  const auth: [string, string] = ['authorization', `Bearer ${harness.key}`];
  const json: [string, string] = ['content-type', 'application/json'];
  const origin: [string, string] = ['origin', 'https://app.example'];
  const chat = JSON.stringify({ model: 'test/model', messages: [{ role: 'user', content: 'hi' }] });
  const routeChat = chatUpstream(harness);
  const cases: Case[] = [
    {
      label: 'JSON',
      path: CHAT,
      headers: [auth, json],
      body: chat,
      upstream: routeChat,
      status: 200,
    },
    {
      label: 'JSON with Origin',
      path: CHAT,
      headers: [auth, json, origin],
      body: chat,
      upstream: routeChat,
      status: 200,
    },
    {
      label: 'SSE stream with Origin',
      path: CHAT,
      headers: [auth, json, origin],
      body: JSON.stringify({ ...JSON.parse(chat), stream: true }),
      upstream: routeChat,
      status: 200,
    },
    {
      label: 'SSE stream',
      path: CHAT,
      headers: [auth, ['content-type', 'application/json; charset=utf-8']],
      body: JSON.stringify({ ...JSON.parse(chat), stream: true }),
      upstream: routeChat,
      status: 200,
    },
    {
      label: 'text completion',
      path: COMPLETIONS,
      headers: [auth, json],
      body: JSON.stringify({ model: 'test/model', prompt: 'Once' }),
      upstream: () =>
        harness.upstream.route('/v1/completions', {
          kind: 'json',
          body: openAITextCompletion(' upon'),
        }),
      status: 200,
    },
    {
      label: 'embeddings: the upstream answers 404 (502)',
      path: EMBEDDINGS,
      headers: [auth, json, origin],
      body: JSON.stringify({ model: 'test/model', input: 'hi' }),
      status: 502,
    },
    { label: '401 without a key', path: CHAT, headers: [json], body: chat, status: 401 },
    {
      label: '401 with the body still to come: connection closed',
      path: CHAT,
      headers: [['authorization', 'Bearer sk-tg-v1-nope'], json, origin],
      body: chat.slice(0, 10),
      contentLength: chat.length,
      late: Buffer.from(chat.slice(10)),
      status: 401,
    },
    {
      label: '413 declared too large, unread',
      path: CHAT,
      headers: [auth, json],
      body: '',
      contentLength: BODY_LIMIT + 1,
      late: Buffer.alloc(BODY_LIMIT + 1, 0x20),
      status: 413,
    },
    {
      label: '413 chunked over the limit',
      path: CHAT,
      headers: [auth, json, ['transfer-encoding', 'chunked']],
      body: `${(BODY_LIMIT + 10).toString(16)}\r\n${' '.repeat(BODY_LIMIT + 10)}\r\n0\r\n\r\n`,
      contentLength: null,
      status: 413,
    },
    {
      label: '400 not UTF-8',
      path: CHAT,
      headers: [auth, json],
      body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]),
      status: 400,
    },
    {
      label: '400 malformed JSON',
      path: CHAT,
      headers: [auth, json],
      body: '{"model":',
      status: 400,
    },
    {
      label: '400 nested too deep',
      path: CHAT,
      headers: [auth, json, origin],
      body: `${'['.repeat(200)}${']'.repeat(200)}`,
      status: 400,
    },
    { label: '400 empty body, no type', path: CHAT, headers: [auth], body: '', status: 400 },
    {
      label: '400 schema',
      path: CHAT,
      headers: [auth, ['content-type', 'text/plain']],
      body: JSON.stringify({ model: 'test/model' }),
      status: 400,
    },
    {
      label: '502 upstream error after the id was exposed',
      path: CHAT,
      headers: [auth, json, origin],
      body: chat,
      upstream: () =>
        harness.upstream.route('/v1/chat/completions', {
          kind: 'json',
          status: 400,
          body: { error: { message: 'bad', type: 'invalid_request_error' } },
        }),
      status: 400,
    },
    {
      label: '429 from the upstream',
      path: CHAT,
      headers: [auth, json],
      body: chat,
      upstream: () =>
        harness.upstream.route('/v1/chat/completions', {
          kind: 'json',
          status: 429,
          body: { error: { message: 'slow down' } },
          headers: { 'retry-after': '3' },
        }),
      status: 429,
    },
  ];
  const statuses: number[] = [];
  for (const request of cases) {
    const [lane, route] = await both(port, request);
    assert.deepEqual(normalized(lane), normalized(route), request.label);
    assert.match(lane.head[0] ?? '', new RegExp(`^HTTP/1.1 ${request.status} `), request.label);
    statuses.push(request.status);
  }
  // The 401 before its body: the connection is closed, and said so.
  const early = await both(port, cases.find((c) => c.late !== undefined) as Case);
  assert.ok(early[0].head.includes('connection: close'));
  // Every request that reached a handler through Fastify was one of the trailing-slash ones.
  assert.ok(handled.length > 0);
  assert.deepEqual(
    handled.filter((url) => !url.endsWith('/')),
    [],
  );

  const metrics = await (await fetch(`${harness.gateway.url}/metrics`)).text();
  await harness.gateway.close();
  // One access-log line per request, the same for the lane's and the route's.
  const lines = logs
    .records()
    .filter((line) => line['msg'] === 'request' && line['method'] === 'POST')
    .map((line) => {
      assert.match(String(line['request_id']), /^req-\d+-[A-Za-z0-9]{20}$/);
      return `${line['route']} ${line['status']} ${line['generation_id'] === null ? 'no id' : 'id'} ${line['aborted'] === true}`;
    });
  const withEarly = [...statuses, 401];
  assert.equal(lines.length, withEarly.length * 2);
  const counts = new Map<string, number>();
  for (const line of lines) counts.set(line, (counts.get(line) ?? 0) + 1);
  for (const [line, count] of counts) assert.equal(count % 2, 0, `${line} logged ${count} times`);
  const chatRequests = (status: number) =>
    Number(
      new RegExp(
        `^tollgate_http_requests_total\\{method="POST",route="${CHAT}",status="${status}"\\} (\\d+)$`,
        'm',
      ).exec(metrics)?.[1] ?? 0,
    );
  for (const status of [200, 400, 401, 413, 429]) {
    const expected = cases.filter((c) => c.path === CHAT && c.status === status).length * 2;
    assert.equal(chatRequests(status), expected + (status === 401 ? 2 : 0), `status ${status}`);
  }
  assert.match(metrics, /^tollgate_open_streams 0$/m);
});

test('a client gone mid-stream is logged aborted and counted as a closed stream on both paths', async (t) => {
  const logs = captureLogs('info', { redact: true });
  const harness = await startTestGatewayFor(t, { countTokens: false, logger: logs.logger });
  const port = Number(new URL(harness.gateway.url).port);
  const gates = [createGate(), createGate()];
  let next = 0;
  harness.upstream.route('/v1/chat/completions', () => {
    const gate = gates[next++];
    return {
      kind: 'sse',
      events: openAIStreamEvents({ contents: ['first', 'second'] }),
      ...(gate === undefined ? {} : { gateAfter: 2, gate: gate.opened }),
    };
  });
  const body = JSON.stringify({
    model: 'test/model',
    messages: [{ role: 'user', content: 'hi' }],
    stream: true,
  });
  for (const path of [CHAT, `${CHAT}/`]) {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      requestBytes(
        path,
        [
          ['authorization', `Bearer ${harness.key}`],
          ['content-type', 'application/json'],
        ],
        body,
      ),
    );
    let received = '';
    await new Promise<void>((resolve) => {
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString();
        if (received.includes('first')) resolve();
      });
    });
    socket.destroy();
  }
  for (const gate of gates) gate.open();
  await harness.gateway.close();
  const lines = logs
    .records()
    .filter((line) => line['msg'] === 'request' && line['method'] === 'POST')
    .map((line) => [line['route'], line['status'], line['aborted'], typeof line['generation_id']]);
  assert.deepEqual(lines, [
    [CHAT, 200, true, 'string'],
    [CHAT, 200, true, 'string'],
  ]);
});

test('admission refusals (503) are the same on the lane and on the route', async (t) => {
  const harness = await startTestGatewayFor(t, {
    countTokens: false,
    config: (url) => ({
      ...(defaultTestConfig(url) as object),
      max_concurrent_requests: 1,
      max_queue: 0,
    }),
  });
  const port = Number(new URL(harness.gateway.url).port);
  const arrived = createGate();
  harness.upstream.route('/v1/chat/completions', () => {
    arrived.open();
    return { kind: 'hang' };
  });
  const chat = JSON.stringify({ model: 'test/model', messages: [{ role: 'user', content: 'hi' }] });
  const holder = new AbortController();
  const held = fetch(`${harness.apiUrl}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${harness.key}`, 'content-type': 'application/json' },
    body: chat,
    signal: holder.signal,
  }).catch(() => null);
  await arrived.opened;
  const [lane, route] = await both(port, {
    label: '503',
    path: CHAT,
    headers: [
      ['authorization', `Bearer ${harness.key}`],
      ['content-type', 'application/json'],
      ['origin', 'https://app.example'],
    ],
    body: chat,
    status: 503,
  });
  holder.abort();
  await held;
  assert.deepEqual(lane, route);
  assert.match(lane.head[0] ?? '', /^HTTP\/1.1 503 /);
});

test('the lane takes only POSTs to the three paths and declines the rest before reading them', async (t) => {
  const harness = await startTestGatewayFor(t, { countTokens: false });
  chatUpstream(harness)();
  const context = harness.gateway.context;
  const lane = createMeteredLane(context, new GenerationPipeline(context), {});
  const seen: string[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    if (lane(request, response, () => undefined)) return;
    seen.push(`${request.method} ${request.url}`);
    response.writeHead(299).end('declined');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const chat = JSON.stringify({ model: 'test/model', messages: [{ role: 'user', content: 'hi' }] });
  const post = async (path: string, type = 'application/json', method = 'POST') => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${harness.key}`, 'content-type': type },
      ...(method === 'POST' ? { body: chat } : {}),
    });
    await response.text();
    return response.status;
  };
  const statuses = [
    await post(CHAT),
    await post(`${CHAT}?debug=1`),
    await post(`${CHAT}/`),
    await post('/api/v1/chat/completion%73'),
    await post(CHAT, 'application/json; boundary=x'),
    await post(CHAT, 'nonsense'),
    await post(CHAT, 'application/json', 'PUT'),
    await post('/api/v1/models', 'application/json', 'GET'),
  ];
  assert.deepEqual(statuses, [200, 200, 299, 299, 299, 299, 299, 299]);
  assert.deepEqual(seen, [
    `POST ${CHAT}/`,
    'POST /api/v1/chat/completion%73',
    `POST ${CHAT}`,
    `POST ${CHAT}`,
    `PUT ${CHAT}`,
    'GET /api/v1/models',
  ]);
});

/** A chat request on `agent`'s one connection: status, error message (if any), socket reused. */
function chatOn(
  harness: TestGateway,
  agent: Agent,
  key: string,
): Promise<{ status: number; error: string | null; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({
      model: 'test/model',
      messages: [{ role: 'user', content: 'Hi' }],
    });
    const request = httpRequest(`${harness.apiUrl}/chat/completions`, {
      agent,
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    });
    request.on('response', (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
      });
      response.on('end', () => {
        const status = response.statusCode ?? 0;
        const error =
          status === 200
            ? null
            : (JSON.parse(text) as { error: { message: string } }).error.message;
        resolve({ status, error, reused: request.reusedSocket });
      });
    });
    request.on('error', reject);
    request.end(body);
  });
}

test('the lane authorizes a cached key at once, and a key changed, disabled, deleted or expired on the same connection as it is now', async (t) => {
  let nowMs = Date.parse('2030-01-01T00:00:00.000Z');
  const harness = await startTestGatewayFor(t, { countTokens: false, now: () => nowMs });
  harness.upstream.route('/v1/chat/completions', {
    kind: 'json',
    body: openAIChatCompletion({ content: 'Hello!' }),
  });
  const expiresAt = '2030-01-01T00:00:01.000Z';
  const keys = {
    disabled: await createKey(harness.apiUrl, harness.key, { name: 'disabled' }),
    deleted: await createKey(harness.apiUrl, harness.key, { name: 'deleted' }),
    expired: await createKey(harness.apiUrl, harness.key, {
      name: 'expired',
      expires_at: expiresAt,
    }),
  };
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => agent.destroy());
  const seen: Array<[number, string | null, boolean]> = [];
  // Each key twice (the second from the cache), an unknown key between them on the same socket.
  for (const key of [keys.disabled, keys.disabled, 'sk-tg-v1-nope', keys.deleted, keys.expired]) {
    const { status, error, reused } = await chatOn(harness, agent, key);
    seen.push([status, error, reused]);
  }
  // A 401 from the headers closes the connection (its body was left unread): a new one follows.
  assert.deepEqual(seen, [
    [200, null, false],
    [200, null, true],
    [401, 'Invalid API key', true],
    [200, null, false],
    [200, null, true],
  ]);
  assert.equal(
    await manageKey(harness.apiUrl, harness.key, 'PATCH', keys.disabled, { disabled: true }),
    200,
  );
  assert.equal(await manageKey(harness.apiUrl, harness.key, 'DELETE', keys.deleted), 200);
  nowMs = Date.parse(expiresAt);
  const refusals: Array<[number, string | null, boolean]> = [];
  for (const key of [keys.disabled, keys.deleted, keys.expired, keys.disabled]) {
    const { status, error, reused } = await chatOn(harness, agent, key);
    refusals.push([status, error, reused]);
  }
  assert.deepEqual(
    refusals.map(([status, error]) => [status, error]),
    [
      [401, 'This API key is disabled'],
      [401, 'Invalid API key'],
      [401, 'This API key has expired'],
      [401, 'This API key is disabled'],
    ],
  );
  // The first refusal came on the connection that had served the disabled key from the cache.
  assert.equal(refusals[0]?.[2], true);
});

test('a rate-limited key is counted on every request of a keep-alive connection', async (t) => {
  const harness = await startTestGatewayFor(t, {
    countTokens: false,
    now: () => FIXED_NOW,
    config: (url) => ({
      ...(defaultTestConfig(url) as object),
      rate_limit: { requests: 2, interval_seconds: 60 },
    }),
  });
  harness.upstream.route('/v1/chat/completions', {
    kind: 'json',
    body: openAIChatCompletion({ content: 'Hello!' }),
  });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => agent.destroy());
  const statuses: number[] = [];
  for (let attempt = 0; attempt < 3; attempt += 1) {
    statuses.push((await chatOn(harness, agent, harness.key)).status);
  }
  assert.deepEqual(statuses, [200, 200, 429]);
});
