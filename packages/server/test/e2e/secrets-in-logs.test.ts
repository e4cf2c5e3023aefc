import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { pino } from 'pino';
import { generateKey } from '../../src/accounts/api-keys.js';
import { parseConfig } from '../../src/config/load-config.js';
import { LOG_REDACT_PATHS } from '../../src/logging.js';
import { startGateway } from '../../src/start-gateway.js';
import { startFakeUpstream } from '../helpers/fake-upstream.js';
import { postJson } from '../helpers/http.js';
import { defaultTestConfig } from '../helpers/start-test-gateway.js';

test('no client key or provider key ever reaches the logs, even at trace level', async (t) => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = pino(
    { level: 'trace', redact: { paths: LOG_REDACT_PATHS, censor: '[redacted]' } },
    sink,
  );
  const upstream = await startFakeUpstream();
  const adminKey = generateKey();
  const gateway = await startGateway({
    port: 0,
    dataDir: await mkdtemp(join(tmpdir(), 'tollgate-logs-')),
    adminKey,
    logger,
    countTokens: false,
    config: parseConfig(defaultTestConfig(upstream.url), {}),
  });
  t.after(async () => {
    await gateway.close();
    await upstream.close();
  });
  const apiUrl = `${gateway.url}/api/v1`;
  // The upstream echoes what it was sent, secrets included, in an error body.
  upstream.route('/v1/chat/completions', (request) => ({
    kind: 'json',
    status: 500,
    body: { error: { message: `echo ${JSON.stringify(request.headers)}` } },
  }));
  const messages = [{ role: 'user', content: 'hi' }];
  await (
    await postJson(apiUrl, '/chat/completions', adminKey, { model: 'test/model', messages })
  ).text();
  await (
    await postJson(apiUrl, '/chat/completions', `${adminKey}x`, { model: 'test/model', messages })
  ).text();
  await (await postJson(apiUrl, '/chat/completions', adminKey, `{"broken": "${adminKey}`)).text();
  upstream.route('/v1/chat/completions', { kind: 'destroy' });
  await (
    await postJson(apiUrl, '/chat/completions', adminKey, { model: 'test/model', messages })
  ).text();
  logger.error(
    { authorization: `Bearer ${adminKey}`, config: { api_key: 'sk-upstream-secret' } },
    'probe',
  );
  await gateway.close();

  const output = lines.join('');
  assert.ok(output.includes('probe'), 'the logger did write');
  assert.equal(output.includes(adminKey), false, 'the client key never appears');
  assert.equal(output.includes(adminKey.slice(9, 40)), false, 'nor any long part of it');
  assert.equal(output.includes('sk-upstream-secret'), false, 'the provider key never appears');
});
