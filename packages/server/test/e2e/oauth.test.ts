/**
 * OAuth PKCE (shared/contract/openrouter-api.md §5.7) over real HTTP: codes created through
 * `POST /api/v1/auth/keys/code`, exchanged through `@openrouter/sdk`'s strict `oAuth` methods and
 * plain fetch. The browser flow through the `/auth` page is in test/browser/oauth.test.ts.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { ForbiddenResponseError } from '@openrouter/sdk/models/errors';
import { ErrorEnvelopeSchema } from '@tollgate/protocol';
import { generateKey, hashKey, labelForKey } from '../../src/accounts/api-keys.js';
import { captureLogs } from '../helpers/captured-logs.js';
import { postJson } from '../helpers/http.js';
import { openAIChatCompletion } from '../helpers/openai-fixtures.js';
import { openRouterSdk } from '../helpers/openrouter-clients.js';
import {
  defaultTestConfig,
  startTestGatewayFor,
  type TestGateway,
} from '../helpers/start-test-gateway.js';

const CALLBACK = 'http://localhost:5173/oauth/callback';
const START_MS = Date.parse('2026-12-07T10:00:00.000Z');

function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

async function createCode(gateway: TestGateway, body: Record<string, unknown>): Promise<string> {
  const response = await postJson(gateway.apiUrl, '/auth/keys/code', gateway.key, body);
  assert.equal(response.status, 200, await response.clone().text());
  return ((await response.json()) as { data: { id: string } }).data.id;
}

async function exchange(gateway: TestGateway, body: unknown): Promise<Response> {
  return postJson(gateway.apiUrl, '/auth/keys', null, body);
}

async function assertEnvelope(response: Response, status: number, message: string | RegExp) {
  assert.equal(response.status, status);
  const body = ErrorEnvelopeSchema.parse(await response.json());
  assert.equal(body.error.code, status);
  if (typeof message === 'string') assert.equal(body.error.message, message);
  else assert.match(body.error.message, message);
}

async function keyNames(gateway: TestGateway): Promise<string[]> {
  const response = await fetch(`${gateway.apiUrl}/keys`, {
    headers: { authorization: `Bearer ${gateway.key}` },
  });
  return ((await response.json()) as { data: Array<{ name: string }> }).data.map((key) => key.name);
}

describe('OAuth PKCE', () => {
  test('a code exchanged with @openrouter/sdk becomes an inference key with the approved label and limit', async (t) => {
    const gateway = await startTestGatewayFor(t);
    gateway.upstream.route('/v1/chat/completions', {
      kind: 'json',
      body: openAIChatCompletion({ content: 'Hello from the app' }),
    });
    const { verifier, challenge } = pkce();
    const created = await openRouterSdk(gateway).oAuth.createAuthCode({
      requestBody: {
        callbackUrl: CALLBACK,
        codeChallenge: challenge,
        codeChallengeMethod: 'S256',
        keyLabel: 'My app',
        limit: 2.5,
        usageLimitType: 'monthly',
      },
    });
    assert.equal(typeof created.data.appId, 'number');
    const exchanged = await openRouterSdk(gateway, '').oAuth.exchangeAuthCodeForAPIKey({
      requestBody: { code: created.data.id, codeVerifier: verifier, codeChallengeMethod: 'S256' },
    });
    assert.deepEqual(Object.keys(exchanged).sort(), ['key', 'userId']);
    assert.equal(exchanged.userId, null);
    assert.match(exchanged.key, /^sk-tg-v1-[0-9a-f]{64}$/);

    const listed = await openRouterSdk(gateway).apiKeys.list();
    const key = listed.data.find((entry) => entry.name === 'My app');
    assert.ok(key);
    assert.equal(key.limit, 2.5);
    assert.equal(key.limitReset, 'monthly');
    const current = await openRouterSdk(gateway, exchanged.key).apiKeys.getCurrentKeyMetadata();
    assert.equal(current.data.isManagementKey, false);
    const completion = await openRouterSdk(gateway, exchanged.key).chat.send({
      chatRequest: {
        model: 'test/model',
        messages: [{ role: 'user', content: 'hi' }],
        stream: false,
      },
    });
    assert.ok(!(completion instanceof ReadableStream), 'expected a JSON chat result');
    assert.equal(completion.choices[0]?.message.content, 'Hello from the app');
    // The same app (origin) keeps its id.
    const again = await openRouterSdk(gateway).oAuth.createAuthCode({
      requestBody: { callbackUrl: 'http://localhost:5173/elsewhere' },
    });
    assert.equal(again.data.appId, created.data.appId);
  });

  test('a replayed code, a wrong verifier and a code used with a wrong verifier are refused with 403', async (t) => {
    const gateway = await startTestGatewayFor(t);
    const { verifier, challenge } = pkce();
    const body = {
      callback_url: CALLBACK,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    };
    const code = await createCode(gateway, body);
    assert.equal((await exchange(gateway, { code, code_verifier: verifier })).status, 200);
    await assertEnvelope(
      await exchange(gateway, { code, code_verifier: verifier }),
      403,
      'Invalid code or code_verifier',
    );
    const second = await createCode(gateway, body);
    await assertEnvelope(
      await exchange(gateway, { code: second, code_verifier: pkce().verifier }),
      403,
      'Invalid code or code_verifier',
    );
    // A failed attempt uses the code up: the right verifier no longer helps.
    await assertEnvelope(
      await exchange(gateway, { code: second, code_verifier: verifier }),
      403,
      'Invalid code or code_verifier',
    );
    const third = await createCode(gateway, body);
    await assertEnvelope(
      await exchange(gateway, { code: third }),
      403,
      'Invalid code or code_verifier',
    );
    await assertEnvelope(
      await exchange(gateway, { code: 'never-issued', code_verifier: verifier }),
      403,
      'Invalid code or code_verifier',
    );
    const sdkError = await openRouterSdk(gateway, '')
      .oAuth.exchangeAuthCodeForAPIKey({ requestBody: { code: 'never-issued' } })
      .catch((error: unknown) => error);
    assert.ok(sdkError instanceof ForbiddenResponseError);
    // Only the one successful exchange created a key (named after the callback's origin).
    const names = await keyNames(gateway);
    assert.equal(names.filter((name) => name === 'http://localhost:5173').length, 1);
  });

  test('a code expires after 10 minutes and creates nothing', async (t) => {
    let nowMs = START_MS;
    const gateway = await startTestGatewayFor(t, { now: () => nowMs });
    const { verifier, challenge } = pkce();
    const body = {
      code_challenge: challenge,
      code_challenge_method: 'S256',
      key_label: 'Late app',
    };
    const late = await createCode(gateway, body);
    const onTime = await createCode(gateway, { ...body, key_label: 'Prompt app' });
    nowMs = START_MS + 10 * 60 * 1000 - 1;
    assert.equal((await exchange(gateway, { code: onTime, code_verifier: verifier })).status, 200);
    nowMs = START_MS + 10 * 60 * 1000;
    await assertEnvelope(
      await exchange(gateway, { code: late, code_verifier: verifier }),
      403,
      'Invalid code or code_verifier',
    );
    const names = await keyNames(gateway);
    assert.ok(names.includes('Prompt app'));
    assert.ok(!names.includes('Late app'));
  });

  test('plain challenges, codes without a challenge, and a method other than the code’s', async (t) => {
    const gateway = await startTestGatewayFor(t);
    const verifier = pkce().verifier;
    const plain = await createCode(gateway, {
      callback_url: CALLBACK,
      code_challenge: verifier,
      code_challenge_method: 'plain',
    });
    assert.equal(
      (
        await exchange(gateway, {
          code: plain,
          code_verifier: verifier,
          code_challenge_method: 'plain',
        })
      ).status,
      200,
    );
    const unchallenged = await createCode(gateway, { callback_url: CALLBACK });
    assert.equal((await exchange(gateway, { code: unchallenged })).status, 200);
    const s256 = pkce();
    const mismatched = await createCode(gateway, {
      callback_url: CALLBACK,
      code_challenge: s256.challenge,
      code_challenge_method: 'S256',
    });
    await assertEnvelope(
      await exchange(gateway, {
        code: mismatched,
        code_verifier: s256.challenge,
        code_challenge_method: 'plain',
      }),
      400,
      'Invalid code_challenge_method: the code was created with S256',
    );
    await assertEnvelope(await exchange(gateway, {}), 400, /code. is required/);
    await assertEnvelope(
      await exchange(gateway, { code: 'x', code_challenge_method: 'S512' }),
      400,
      /code_challenge_method. must be S256 or plain/,
    );
  });

  test('codes go only to loopback callbacks or configured origins, and only management keys create them', async (t) => {
    const gateway = await startTestGatewayFor(t, {
      config: (upstreamUrl) => ({
        ...(defaultTestConfig(upstreamUrl) as object),
        oauth_callback_origins: ['https://app.example.com'],
      }),
    });
    for (const callback of [
      'http://127.0.0.1:9/cb',
      'https://[::1]:8443/cb',
      'http://localhost/cb',
      'https://app.example.com/oauth?x=1',
    ]) {
      await createCode(gateway, { callback_url: callback });
    }
    for (const [callback, message] of [
      ['https://evil.example/cb', /origin https:\/\/evil\.example is not allowed/],
      ['https://app.example.com.evil.example/cb', /is not allowed/],
      ['http://app.example.com/cb', /origin http:\/\/app\.example\.com is not allowed/],
      ['http://localhost.evil.example/cb', /is not allowed/],
      ['http://user:pass@localhost/cb', /must not contain credentials/],
      ['javascript:alert(1)', /must be an http or https URL/],
      ['/relative', /must be an absolute URL/],
    ] as const) {
      await assertEnvelope(
        await postJson(gateway.apiUrl, '/auth/keys/code', gateway.key, { callback_url: callback }),
        400,
        message,
      );
    }
    await assertEnvelope(
      await postJson(gateway.apiUrl, '/auth/keys/code', gateway.key, { key_label: 'headless' }),
      400,
      'Without `callback_url` (headless), `code_challenge` is required',
    );
    const inference = await openRouterSdk(gateway).apiKeys.create({
      requestBody: { name: 'inference' },
    });
    await assertEnvelope(
      await postJson(gateway.apiUrl, '/auth/keys/code', inference.key, { callback_url: CALLBACK }),
      403,
      'Only management keys can perform this operation',
    );
    await assertEnvelope(
      await postJson(gateway.apiUrl, '/auth/keys/code', null, { callback_url: CALLBACK }),
      401,
      /Authentication|Missing/i,
    );
  });

  test('a code approved by a key that was deleted since creates nothing', async (t) => {
    const gateway = await startTestGatewayFor(t);
    // A second management key, with a user id (the API creates inference keys only).
    const approverKey = generateKey();
    const hash = hashKey(approverKey);
    await gateway.gateway.context.storage.apiKeys.insert({
      hash,
      name: 'approver',
      label: labelForKey(approverKey),
      isManagement: true,
      disabled: false,
      limitPico: null,
      limitReset: null,
      includeByokInLimit: false,
      workspaceId: 'default',
      creatorUserId: 'user_42',
      createdAt: '2026-12-07T10:00:00.000000+00:00',
      updatedAt: null,
      expiresAt: null,
      rateLimit: null,
      storeContent: null,
    });
    const kept = await postJson(gateway.apiUrl, '/auth/keys/code', approverKey, {
      callback_url: CALLBACK,
      key_label: 'kept',
    });
    const keptCode = ((await kept.json()) as { data: { id: string } }).data.id;
    const revoked = await postJson(gateway.apiUrl, '/auth/keys/code', approverKey, {
      callback_url: CALLBACK,
      key_label: 'revoked',
    });
    const revokedCode = ((await revoked.json()) as { data: { id: string } }).data.id;
    const exchanged = await exchange(gateway, { code: keptCode });
    assert.deepEqual(((await exchanged.json()) as { user_id: unknown }).user_id, 'user_42');
    await openRouterSdk(gateway).apiKeys.delete({ hash });
    await assertEnvelope(
      await exchange(gateway, { code: revokedCode }),
      403,
      'Invalid code or code_verifier',
    );
    assert.ok(!(await keyNames(gateway)).includes('revoked'));
  });

  test('POST /api/v1/credits/coinbase answers 410 Gone pointing to POST /api/v1/credits', async (t) => {
    const gateway = await startTestGatewayFor(t);
    await assertEnvelope(
      await postJson(gateway.apiUrl, '/credits/coinbase', gateway.key, { amount: 10 }),
      410,
      'Coinbase payments are no longer supported; operators add credit with POST /api/v1/credits',
    );
  });
});

test('no authorization code or verifier reaches the logs, even at trace level', async (t) => {
  const logs = captureLogs('trace', { redact: true });
  const {
    gateway,
    apiUrl,
    key: adminKey,
  } = await startTestGatewayFor(t, {
    logger: logs.logger,
    countTokens: false,
  });
  const { verifier, challenge } = pkce();
  const created = await postJson(apiUrl, '/auth/keys/code', adminKey, {
    callback_url: CALLBACK,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  const code = ((await created.json()) as { data: { id: string } }).data.id;
  await (
    await fetch(
      `${gateway.url}/auth?callback_url=${CALLBACK}&code_challenge=${challenge}&code_challenge_method=S256`,
    )
  ).text();
  await (
    await postJson(apiUrl, '/auth/keys', null, { code, code_verifier: `${verifier}x` })
  ).text();
  await (await postJson(apiUrl, '/auth/keys', null, { code, code_verifier: verifier })).text();
  await (
    await postJson(apiUrl, '/auth/keys', null, `{"code":"${code}","code_verifier":"${verifier}`)
  ).text();
  assert.ok(logs.lines.length > 0);
  const log = logs.lines.join('');
  assert.ok(!log.includes(code), 'the code is logged');
  assert.ok(!log.includes(verifier), 'the verifier is logged');
});
