import assert from 'node:assert/strict';
import { test } from 'node:test';
import { captureLogs } from '../helpers/captured-logs.js';
import { postJson } from '../helpers/http.js';
import { startTestGatewayFor } from '../helpers/start-test-gateway.js';

test('no client key or provider key ever reaches the logs, even at trace level', async (t) => {
  const logs = captureLogs('trace', { redact: true });
  const {
    gateway,
    upstream,
    apiUrl,
    key: adminKey,
  } = await startTestGatewayFor(t, {
    logger: logs.logger,
    countTokens: false,
  });
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
  logs.logger.error(
    { authorization: `Bearer ${adminKey}`, config: { api_key: 'sk-upstream-secret' } },
    'probe',
  );
  await gateway.close();

  const output = logs.lines.join('');
  assert.ok(output.includes('probe'), 'the logger did write');
  assert.equal(output.includes(adminKey), false, 'the client key never appears');
  assert.equal(output.includes(adminKey.slice(9, 40)), false, 'nor any long part of it');
  assert.equal(output.includes('sk-upstream-secret'), false, 'the provider key never appears');
});
