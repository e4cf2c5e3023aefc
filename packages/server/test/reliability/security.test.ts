/**
 * One test per claim of docs/security.md that no other test already proves (the document names
 * those). Real gateways on loopback, real SQLite files, a canary server for SSRF.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import pg from 'pg';
import { hashKey } from '../../src/accounts/api-keys.js';
import { startGateway } from '../../src/start-gateway.js';
import { scratchDir, startGatewayProcess } from '../helpers/gateway-process.js';
import { postJson } from '../helpers/http.js';
import { openAIChatCompletion } from '../helpers/openai-fixtures.js';
import { startTestGateway } from '../helpers/start-test-gateway.js';

const messages = [{ role: 'user', content: 'hi' }];
const PROVIDER_KEY = 'sk-upstream-secret';

/** Every row of every table of a PostgreSQL database, as text. */
async function dumpPostgres(url: string): Promise<Buffer> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows: tables } = await client.query<{ name: string }>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'",
    );
    const parts: string[] = [];
    for (const { name } of tables) {
      const { rows } = await client.query<{ row: string }>(
        `SELECT t::text AS row FROM ${client.escapeIdentifier(name)} t`,
      );
      for (const { row } of rows) parts.push(row);
    }
    return Buffer.from(parts.join('\n'), 'utf8');
  } finally {
    await client.end();
  }
}

test('keys are stored only as their SHA-256: no database file holds a secret', async (t) => {
  const harness = await startTestGateway({ countTokens: false });
  t.after(() => harness.close());
  harness.upstream.route('/v1/chat/completions', { kind: 'json', body: openAIChatCompletion() });
  const created = await postJson(harness.apiUrl, '/keys', harness.key, { name: 'at-rest' });
  const { key } = (await created.json()) as { key: string };
  const used = await postJson(harness.apiUrl, '/chat/completions', key, {
    model: 'test/model',
    messages,
  });
  assert.equal(used.status, 200);
  await used.text();
  await harness.gateway.close();
  let bytes: Buffer;
  if (harness.postgresUrl !== null) {
    // TEST_STORAGE=postgres: the state is in PostgreSQL; read every row of every table.
    bytes = await dumpPostgres(harness.postgresUrl);
  } else {
    const files = await readdir(harness.dataDir);
    assert.ok(files.includes('tollgate.db'));
    bytes = Buffer.concat(
      await Promise.all(files.map((name) => readFile(join(harness.dataDir, name)))),
    );
  }
  for (const secret of [key, harness.key, PROVIDER_KEY]) {
    assert.equal(bytes.includes(secret), false, 'a secret is in the database files');
    // Nor any long run of it (a prefix stored as a "label" must stay short).
    assert.equal(bytes.includes(secret.slice(9, 30)), false, 'part of a secret is stored');
  }
  assert.ok(bytes.includes(hashKey(key)), 'the key is stored as its hex SHA-256');
});

test('keys are compared as SHA-256 digests with timingSafeEqual; near misses are refused', async (t) => {
  const source = await readFile(new URL('../../src/accounts/api-keys.ts', import.meta.url), 'utf8');
  // The stored hex digest, as bytes, against the token's SHA-256 digest, in constant time.
  assert.match(source, /hashBytes: Buffer\.from\(row\.hash, 'hex'\)/);
  assert.match(source, /timingSafeEqual\(entry\.hashBytes, digest\)/);
  const harness = await startTestGateway({ countTokens: false });
  t.after(() => harness.close());
  const last = harness.key.at(-1) === 'a' ? 'b' : 'a';
  for (const nearMiss of [
    harness.key.slice(0, -1) + last,
    harness.key.slice(0, -1),
    `${harness.key}a`,
    harness.key.toUpperCase(),
  ]) {
    const response = await fetch(`${harness.apiUrl}/key`, {
      headers: { authorization: `Bearer ${nearMiss}` },
    });
    assert.equal(response.status, 401);
    await response.text();
  }
});

test('provider keys never reach the client, even when the upstream echoes them in an error', async (t) => {
  const harness = await startTestGateway({ countTokens: false });
  t.after(() => harness.close());
  // An upstream that quotes the credential it was sent, as "Incorrect API key provided: …" does.
  harness.upstream.route('/v1/chat/completions', (request) => ({
    kind: 'json',
    status: 401,
    body: {
      error: {
        message: `Incorrect API key provided: ${String(request.headers['authorization'])}`,
        headers: request.headers,
      },
    },
  }));
  const plain = await postJson(harness.apiUrl, '/chat/completions', harness.key, {
    model: 'test/model',
    messages,
  });
  const plainText = await plain.text();
  assert.ok(plain.status >= 400);
  assert.equal(plainText.includes(PROVIDER_KEY), false, plainText);
  const streamed = await postJson(harness.apiUrl, '/chat/completions', harness.key, {
    model: 'test/model',
    messages,
    stream: true,
  });
  const streamedText = await streamed.text();
  assert.equal(streamedText.includes(PROVIDER_KEY), false, streamedText);
  const id = plain.headers.get('x-generation-id') ?? '';
  const record = await fetch(`${harness.apiUrl}/generation?id=${id}`, {
    headers: { authorization: `Bearer ${harness.key}` },
  });
  assert.equal((await record.text()).includes(PROVIDER_KEY), false, 'nor in the record');
});

test('GET /metrics exposes no client key, provider key or key hash', async (t) => {
  const harness = await startTestGateway({ countTokens: false });
  t.after(() => harness.close());
  harness.upstream.route('/v1/chat/completions', { kind: 'json', body: openAIChatCompletion() });
  const created = await postJson(harness.apiUrl, '/keys', harness.key, { name: 'metrics' });
  const { key } = (await created.json()) as { key: string };
  await (
    await postJson(harness.apiUrl, '/chat/completions', key, { model: 'test/model', messages })
  ).text();
  await (
    await postJson(harness.apiUrl, '/chat/completions', `${key}x`, {
      model: 'test/model',
      messages,
    })
  ).text();
  const metrics = await fetch(`${harness.gateway.url}/metrics`);
  assert.equal(metrics.status, 200);
  const text = await metrics.text();
  assert.ok(text.length > 0);
  for (const secret of [key, harness.key, PROVIDER_KEY, key.slice(9, 30), hashKey(key)]) {
    assert.equal(text.includes(secret), false, 'a secret is in /metrics');
  }
});

test('request fields never make the gateway connect anywhere but the configured upstream (no SSRF)', async (t) => {
  let canaryConnections = 0;
  const canary = createServer((_request, response) => response.end('canary'));
  canary.on('connection', () => {
    canaryConnections += 1;
  });
  await new Promise<void>((resolve) => canary.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => canary.close(() => resolve())));
  const canaryUrl = `http://127.0.0.1:${(canary.address() as AddressInfo).port}`;
  const harness = await startTestGateway({ countTokens: false });
  t.after(() => harness.close());
  harness.upstream.route('/v1/chat/completions', { kind: 'json', body: openAIChatCompletion() });
  harness.upstream.route('/v1/embeddings', {
    kind: 'json',
    status: 400,
    body: { error: { message: 'no' } },
  });
  const imageMessages = [
    {
      role: 'user',
      content: [
        { type: 'text', text: 'describe' },
        { type: 'image_url', image_url: { url: `${canaryUrl}/cat.png` } },
        { type: 'file', file: { filename: 'a.pdf', file_data: `${canaryUrl}/a.pdf` } },
        { type: 'input_audio', input_audio: { data: `${canaryUrl}/a.wav`, format: 'wav' } },
      ],
    },
  ];
  const attempts: unknown[] = [
    { model: canaryUrl, messages },
    { model: `${canaryUrl}/v1`, messages },
    { model: 'test/model', models: [canaryUrl, `${canaryUrl}/v1/chat/completions`], messages },
    { model: 'test/model', messages, provider: { order: [canaryUrl], only: [canaryUrl] } },
    { model: 'test/model', messages, provider: { order: [canaryUrl], allow_fallbacks: true } },
    { model: 'test/model', messages, base_url: canaryUrl, api_base: canaryUrl, url: canaryUrl },
    {
      model: 'test/model',
      messages,
      plugins: [{ id: 'web', url: canaryUrl }],
      transforms: [canaryUrl],
    },
    { model: 'test/model', messages: imageMessages },
  ];
  for (const body of attempts) {
    const response = await postJson(harness.apiUrl, '/chat/completions', harness.key, body, {
      'x-forwarded-host': '127.0.0.1',
      'http-referer': canaryUrl,
      host: new URL(canaryUrl).host,
    });
    assert.ok(response.status < 500, `${response.status} for ${JSON.stringify(body)}`);
    await response.text();
  }
  assert.equal(canaryConnections, 0, 'the gateway never connected to a URL from a request');
  // Media URLs go to the configured upstream untouched: the provider fetches them, not Tollgate.
  const forwarded = harness.upstream.requests.find((request) =>
    JSON.stringify(request.body).includes('cat.png'),
  );
  assert.ok(forwarded !== undefined, 'the image request reached the configured upstream');
  assert.ok(JSON.stringify(forwarded.body).includes(`${canaryUrl}/cat.png`));
});

test('binds 127.0.0.1 unless told otherwise (startGateway and the main entry point)', async (t) => {
  const gateway = await startGateway({
    port: 0,
    dataDir: await (await import('node:fs/promises')).mkdtemp(
      join((await import('node:os')).tmpdir(), 'tollgate-bind-'),
    ),
    countTokens: false,
  });
  t.after(() => gateway.close());
  const address = gateway.app.server.address() as AddressInfo;
  assert.equal(address.address, '127.0.0.1');

  // No HOST: the entry point's own default.
  const { url } = await startGatewayProcess(t, {
    TOLLGATE_DATA_DIR: await scratchDir(t, 'tollgate-main-'),
    HOST: undefined,
  });
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
});
