/**
 * Key management (`/keys`, `/key`, `/credits`) driven through the published `@openrouter/sdk`,
 * whose strict response schemas double as the contract (shared/contract/real-clients.md §3.1,
 * §3.7), plus plain fetch where the SDK cannot send what a test needs (bad input, extensions).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  BadRequestResponseError,
  ForbiddenResponseError,
  NotFoundResponseError,
  OpenRouterError,
  UnauthorizedResponseError,
} from '@openrouter/sdk/models/errors';
import {
  CurrentKeySchema,
  type ErrorEnvelope,
  ErrorEnvelopeSchema,
  GenerationRecordSchema,
} from '@tollgate/protocol';
import { usdNumberToPico } from '../../src/ledger/money.js';
import { getGeneration, postJson } from '../helpers/http.js';
import { type OpenAIUsageOptions, openAIChatCompletion } from '../helpers/openai-fixtures.js';
import { openRouterSdk } from '../helpers/openrouter-clients.js';
import { startTestGatewayFor, type TestGateway } from '../helpers/start-test-gateway.js';

const TEST_MODEL = 'test/model';
const messages = [{ role: 'user' as const, content: 'How much did that cost?' }];
const MANAGEMENT_ONLY = 'Only management keys can perform this operation';
/** A well-formed hash that no key has. */
const UNKNOWN_HASH = 'f'.repeat(64);

/** Token counts the fake upstream reports, one per request: costs $0.00005, $0.000213, $0.000607. */
const USAGES: readonly OpenAIUsageOptions[] = [
  { prompt_tokens: 10, completion_tokens: 20 },
  { prompt_tokens: 123, completion_tokens: 45 },
  { prompt_tokens: 7, completion_tokens: 300 },
];

/** Reads the stored amount out of a success body. */
type Reader = (body: unknown) => number | null;

function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** Creates an inference key through the SDK; returns the secret and its hash. */
async function createKey(
  harness: TestGateway,
  name: string,
  limit: number | null = null,
): Promise<{ key: string; hash: string }> {
  const created = await openRouterSdk(harness).apiKeys.create({ requestBody: { name, limit } });
  return { key: created.key, hash: created.data.hash };
}

/** One non-stream chat through the SDK, answered with `usage`; returns the generation id. */
async function chat(
  harness: TestGateway,
  apiKey: string,
  usage: OpenAIUsageOptions = { prompt_tokens: 10, completion_tokens: 20 },
): Promise<string> {
  harness.upstream.route('/v1/chat/completions', {
    kind: 'json',
    body: openAIChatCompletion({ content: 'ok', usage }),
  });
  const result = await openRouterSdk(harness, apiKey).chat.send({
    chatRequest: { model: TEST_MODEL, messages, stream: false },
  });
  assert.ok(!(result instanceof ReadableStream), 'expected a JSON chat result, got a stream');
  return result.id;
}

/** Σ `total_cost` of the given generations in pico-USD, read with the management key. */
async function sumTotalCostPico(harness: TestGateway, ids: readonly string[]): Promise<bigint> {
  let sum = 0n;
  for (const id of ids) {
    const response = await getGeneration(harness.apiUrl, harness.key, id);
    assert.equal(response.status, 200, `GET /generation?id=${id}`);
    const record = GenerationRecordSchema.parse(
      ((await response.json()) as { data: unknown }).data,
    );
    assert.ok(record.total_cost > 0, `generation ${id} has a cost`);
    sum += usdNumberToPico(record.total_cost);
  }
  return sum;
}

/** Checks an SDK rejection: any OpenRouterError subclass, the status, and OpenRouter's body. */
async function assertSdkRejects(
  promise: Promise<unknown>,
  status: number,
  message: string | RegExp,
): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof OpenRouterError, String(error));
    assert.equal(error.statusCode, status);
    const body = ErrorEnvelopeSchema.parse(JSON.parse(error.body));
    assert.equal(body.error.code, status);
    if (typeof message === 'string') assert.equal(body.error.message, message);
    else assert.match(body.error.message, message);
    return true;
  });
}

/** Checks a plain-fetch error: status, JSON envelope, `code` = status, message. */
async function assertErrorResponse(
  response: Response,
  status: number,
  message: RegExp,
): Promise<ErrorEnvelope['error']> {
  const text = await response.text();
  assert.equal(response.status, status, text);
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  const body = ErrorEnvelopeSchema.parse(JSON.parse(text));
  assert.equal(body.error.code, status);
  assert.match(body.error.message, message);
  return body.error;
}

function request(
  harness: TestGateway,
  method: 'GET' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<Response> {
  return fetch(`${harness.apiUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${harness.key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

describe('key CRUD through @openrouter/sdk', () => {
  test('create answers 201 with the secret once, and get, list, update and delete all parse', async (t) => {
    const harness = await startTestGatewayFor(t);
    const client = openRouterSdk(harness);

    const created = await client.apiKeys.create({
      requestBody: { name: 'ci runner', limit: 2.5, limitReset: 'daily' },
    });
    assert.match(created.key, /^sk-tg-v1-[0-9a-f]{64}$/);
    const { hash } = created.data;
    assert.equal(hash, sha256Hex(created.key));
    assert.equal(created.data.name, 'ci runner');
    assert.equal(created.data.limit, 2.5);
    assert.equal(created.data.limitRemaining, 2.5);
    assert.equal(created.data.limitReset, 'daily');
    assert.equal(created.data.disabled, false);
    assert.equal(created.data.usage, 0);
    assert.equal(created.data.updatedAt, null);
    assert.ok(created.data.label.startsWith('sk-tg-v1-'), created.data.label);
    assert.ok(!created.data.label.includes(created.key.slice(12)), 'the label hides the secret');

    const fetched = await client.apiKeys.get({ hash });
    assert.deepEqual(fetched.data, created.data);

    const listed = await client.apiKeys.list();
    assert.deepEqual(
      listed.data.find((key) => key.hash === hash),
      created.data,
    );
    // The secret is shown once: no read answer carries it.
    const raw = await request(harness, 'GET', '/keys?include_disabled=true');
    assert.ok(!(await raw.text()).includes(created.key), 'GET /keys never returns the secret');

    const renamed = await client.apiKeys.update({
      hash,
      requestBody: { name: 'ci runner (renamed)', limit: 4 },
    });
    assert.equal(renamed.data.hash, hash);
    assert.equal(renamed.data.name, 'ci runner (renamed)');
    assert.equal(renamed.data.limit, 4);
    assert.equal(renamed.data.limitRemaining, 4);
    assert.equal(renamed.data.limitReset, 'daily', 'fields not in the patch are kept');
    assert.notEqual(renamed.data.updatedAt, null);

    const disabled = await client.apiKeys.update({ hash, requestBody: { disabled: true } });
    assert.equal(disabled.data.disabled, true);
    assert.equal((await client.apiKeys.get({ hash })).data.disabled, true);
    const visible = await client.apiKeys.list();
    assert.ok(!visible.data.some((key) => key.hash === hash), 'disabled keys are hidden');
    const all = await client.apiKeys.list({ includeDisabled: true });
    assert.equal(all.data.find((key) => key.hash === hash)?.disabled, true);

    const deleted = await client.apiKeys.delete({ hash });
    assert.deepEqual(deleted, { deleted: true });
    await assert.rejects(client.apiKeys.get({ hash }), (error: unknown) => {
      assert.ok(error instanceof NotFoundResponseError, String(error));
      assert.equal(error.statusCode, 404);
      return true;
    });
    const after = await client.apiKeys.list({ includeDisabled: true });
    assert.ok(!after.data.some((key) => key.hash === hash), 'a deleted key is not listed');
    await assertSdkRejects(client.apiKeys.delete({ hash }), 404, 'API key not found');
  });

  test('a created key with a future expires_at echoes it, and one in the past is refused 400', async (t) => {
    const harness = await startTestGatewayFor(t);
    const client = openRouterSdk(harness);
    const expiresAt = new Date(Date.UTC(2099, 0, 1));
    const future = await client.apiKeys.create({ requestBody: { name: 'later', expiresAt } });
    assert.equal(future.data.expiresAt?.toISOString(), expiresAt.toISOString());

    const past = new Date(Date.now() - 60_000);
    await assert.rejects(
      client.apiKeys.create({ requestBody: { name: 'expired', expiresAt: past } }),
      (error: unknown) => {
        assert.ok(error instanceof BadRequestResponseError, String(error));
        assert.equal(error.statusCode, 400);
        assert.match(error.message, /expires_at/);
        return true;
      },
    );
  });

  test('a management key cannot delete itself', async (t) => {
    const harness = await startTestGatewayFor(t);
    const response = await request(harness, 'DELETE', `/keys/${sha256Hex(harness.key)}`);
    await assertErrorResponse(response, 400, /cannot delete itself/);
    const current = await openRouterSdk(harness).apiKeys.getCurrentKeyMetadata();
    assert.equal(current.data.isManagementKey, true);
  });
});

describe('an inference key created through the API', () => {
  test('calls chat and /key, whose usage is the sum of its generations’ total_cost', async (t) => {
    const harness = await startTestGatewayFor(t);
    const limit = 5;
    const { key, hash } = await createKey(harness, 'worker', limit);
    const ids: string[] = [];
    for (const usage of USAGES) ids.push(await chat(harness, key, usage));

    const { data } = await openRouterSdk(harness, key).apiKeys.getCurrentKeyMetadata();
    assert.equal(data.isManagementKey, false);
    assert.equal(data.isProvisioningKey, false);
    assert.equal(data.limit, limit);
    const usagePico = await sumTotalCostPico(harness, ids);
    assert.equal(usagePico, usdNumberToPico(0.00087), 'the fixture costs $0.00087 in total');
    assert.equal(usdNumberToPico(data.usage), usagePico);
    assert.equal(usdNumberToPico(data.usageDaily), usagePico);
    assert.ok(data.limitRemaining !== null);
    assert.equal(usdNumberToPico(data.limitRemaining), usdNumberToPico(limit) - usagePico);

    // The legacy alias answers the same, and the key-management view agrees with /key.
    const [current, legacy] = await Promise.all(
      ['/key', '/auth/key'].map(async (path) => {
        const response = await fetch(`${harness.apiUrl}${path}`, {
          headers: { authorization: `Bearer ${key}` },
        });
        assert.equal(response.status, 200, path);
        return CurrentKeySchema.parse(((await response.json()) as { data: unknown }).data);
      }),
    );
    assert.deepEqual(legacy, current);
    const viewed = await openRouterSdk(harness).apiKeys.get({ hash });
    assert.equal(usdNumberToPico(viewed.data.usage), usagePico);
    assert.equal(viewed.data.limitRemaining, data.limitRemaining);
  });

  test('is refused 403 on every management operation', async (t) => {
    const harness = await startTestGatewayFor(t);
    const { key, hash } = await createKey(harness, 'worker');
    const client = openRouterSdk(harness, key);

    await assert.rejects(client.apiKeys.create({ requestBody: { name: 'sneaky' } }), (error) => {
      assert.ok(error instanceof ForbiddenResponseError, String(error));
      assert.equal(error.message, MANAGEMENT_ONLY);
      return true;
    });
    await assert.rejects(client.credits.getCredits(), (error) => {
      assert.ok(error instanceof ForbiddenResponseError, String(error));
      assert.equal(error.message, MANAGEMENT_ONLY);
      return true;
    });
    // list, get, update and delete declare no 403, so the SDK gives its default error class.
    await assertSdkRejects(client.apiKeys.list(), 403, MANAGEMENT_ONLY);
    await assertSdkRejects(client.apiKeys.get({ hash }), 403, MANAGEMENT_ONLY);
    await assertSdkRejects(
      client.apiKeys.update({ hash, requestBody: { limit: 1000 } }),
      403,
      MANAGEMENT_ONLY,
    );
    await assertSdkRejects(client.apiKeys.delete({ hash }), 403, MANAGEMENT_ONLY);
    await assertErrorResponse(
      await postJson(harness.apiUrl, '/credits', key, { amount: 10 }),
      403,
      new RegExp(MANAGEMENT_ONLY),
    );

    const stillThere = await openRouterSdk(harness).apiKeys.get({ hash });
    assert.equal(stillThere.data.limit, null, 'the refused update changed nothing');
    assert.equal(stillThere.data.name, 'worker');
  });

  test('is refused 401 while disabled and works again once re-enabled', async (t) => {
    const harness = await startTestGatewayFor(t);
    const { key, hash } = await createKey(harness, 'worker');
    const management = openRouterSdk(harness);
    await chat(harness, key);

    await management.apiKeys.update({ hash, requestBody: { disabled: true } });
    await assert.rejects(chat(harness, key), (error) => {
      assert.ok(error instanceof UnauthorizedResponseError, String(error));
      assert.equal(error.statusCode, 401);
      assert.equal(error.message, 'This API key is disabled');
      return true;
    });
    await assert.rejects(openRouterSdk(harness, key).apiKeys.getCurrentKeyMetadata(), (error) => {
      assert.ok(error instanceof UnauthorizedResponseError, String(error));
      return true;
    });

    await management.apiKeys.update({ hash, requestBody: { disabled: false } });
    const id = await chat(harness, key);
    const response = await getGeneration(harness.apiUrl, key, id);
    assert.equal(response.status, 200);
    await response.body?.cancel();
  });

  test('is refused 401 once its expires_at has passed on the gateway clock', async (t) => {
    let nowMs = Date.parse('2030-01-01T00:00:00.000Z');
    const harness = await startTestGatewayFor(t, { now: () => nowMs });
    const expiresAt = new Date('2030-01-01T01:00:00.000Z');
    const created = await openRouterSdk(harness).apiKeys.create({
      requestBody: { name: 'short-lived', expiresAt },
    });
    await chat(harness, created.key);
    const { data } = await openRouterSdk(harness, created.key).apiKeys.getCurrentKeyMetadata();
    assert.equal(data.expiresAt?.toISOString(), expiresAt.toISOString());

    nowMs = expiresAt.getTime();
    await assert.rejects(chat(harness, created.key), (error) => {
      assert.ok(error instanceof UnauthorizedResponseError, String(error));
      assert.equal(error.message, 'This API key has expired');
      return true;
    });
    const stored = await openRouterSdk(harness).apiKeys.get({ hash: created.data.hash });
    assert.equal(stored.data.expiresAt?.toISOString(), expiresAt.toISOString());
  });

  test('is refused 401 at once after it is deleted', async (t) => {
    const harness = await startTestGatewayFor(t);
    const { key, hash } = await createKey(harness, 'worker');
    await chat(harness, key);
    await openRouterSdk(harness).apiKeys.delete({ hash });
    await assert.rejects(chat(harness, key), (error) => {
      assert.ok(error instanceof UnauthorizedResponseError, String(error));
      assert.equal(error.message, 'Invalid API key');
      return true;
    });
  });
});

describe('credits', () => {
  test('getCredits parses, total_usage is the sum of every total_cost, and POST /credits grants', async (t) => {
    const harness = await startTestGatewayFor(t);
    const client = openRouterSdk(harness);
    const empty = await client.credits.getCredits();
    assert.deepEqual(empty.data, { totalCredits: 0, totalUsage: 0 });

    const { key, hash } = await createKey(harness, 'worker');
    const ids = [
      await chat(harness, key, USAGES[0]),
      await chat(harness, harness.key, USAGES[1]),
      await chat(harness, key, USAGES[2]),
    ];
    const spent = await sumTotalCostPico(harness, ids);
    const before = await client.credits.getCredits();
    assert.equal(before.data.totalCredits, 0);
    assert.equal(usdNumberToPico(before.data.totalUsage), spent);

    const grant = await postJson(harness.apiUrl, '/credits', harness.key, { amount: 10 });
    assert.equal(grant.status, 201);
    const granted = (await grant.json()) as {
      data: { total_credits: number; total_usage: number };
    };
    assert.equal(granted.data.total_credits, 10);
    assert.equal(usdNumberToPico(granted.data.total_usage), spent);

    // Requests still fit the granted credit, and a deleted key's spend stays in the account.
    ids.push(await chat(harness, key, USAGES[0]));
    await client.apiKeys.delete({ hash });
    const after = await client.credits.getCredits();
    assert.equal(after.data.totalCredits, 10);
    assert.equal(usdNumberToPico(after.data.totalUsage), await sumTotalCostPico(harness, ids));
  });
});

describe('bad input to the key endpoints', () => {
  test('create without a name is refused 400 naming `name`', async (t) => {
    const harness = await startTestGatewayFor(t);
    const error = await assertErrorResponse(
      await postJson(harness.apiUrl, '/keys', harness.key, { limit: 1 }),
      400,
      /\bname\b/,
    );
    assert.ok(error.metadata !== null, 'the issues are listed in metadata');
    await assertErrorResponse(
      await postJson(harness.apiUrl, '/keys', harness.key, { name: '' }),
      400,
      /\bname\b/,
    );
  });

  test('create with a negative limit or an unknown limit_reset is refused 400', async (t) => {
    const harness = await startTestGatewayFor(t);
    await assertErrorResponse(
      await postJson(harness.apiUrl, '/keys', harness.key, { name: 'neg', limit: -5 }),
      400,
      /limit/,
    );
    await assertErrorResponse(
      await postJson(harness.apiUrl, '/keys', harness.key, { name: 'yr', limit_reset: 'yearly' }),
      400,
      /limit_reset/,
    );
    await assertErrorResponse(
      await postJson(harness.apiUrl, '/keys', harness.key, {
        name: 'tz',
        expires_at: '2099-01-01T00:00:00+02:00',
      }),
      400,
      /expires_at/,
    );
    const listed = await openRouterSdk(harness).apiKeys.list({ includeDisabled: true });
    assert.ok(
      !listed.data.some((key) => ['neg', 'yr', 'tz'].includes(key.name)),
      'no refused key was stored',
    );
  });

  test('a too-long name is refused 400 with a message that does not call it missing', async (t) => {
    const harness = await startTestGatewayFor(t);
    const error = await assertErrorResponse(
      await postJson(harness.apiUrl, '/keys', harness.key, { name: 'x'.repeat(201) }),
      400,
      /\bname\b/,
    );
    assert.doesNotMatch(error.message, /is required/);
  });

  test('a limit or credit amount the schema accepts is stored, or refused 400, never a 500', async (t) => {
    const harness = await startTestGatewayFor(t);
    const { hash } = await createKey(harness, 'worker');
    // 1e7 USD is 1e19 pico-USD, past a signed 64-bit integer: refused by validation, never a 500.
    const attempts: Array<[string, () => Promise<Response>, Reader]> = [
      [
        'POST /keys limit 1e9',
        () => postJson(harness.apiUrl, '/keys', harness.key, { name: 'rich', limit: 1e9 }),
        (body) => (body as { data: { limit: number | null } }).data.limit,
      ],
      [
        'PATCH /keys/{hash} limit 1e9',
        () => request(harness, 'PATCH', `/keys/${hash}`, { limit: 1e9 }),
        (body) => (body as { data: { limit: number | null } }).data.limit,
      ],
      [
        'POST /credits amount 1e7',
        () => postJson(harness.apiUrl, '/credits', harness.key, { amount: 1e7 }),
        (body) => (body as { data: { total_credits: number } }).data.total_credits,
      ],
    ];
    const outcomes: Array<{ label: string; status: number; text: string; read: Reader }> = [];
    for (const [label, send, read] of attempts) {
      const response = await send();
      outcomes.push({ label, status: response.status, text: await response.text(), read });
    }
    // Amounts are int64 pico-USD in storage: beyond the schema's cap they must be a 400.
    assert.deepEqual(
      outcomes
        .filter((outcome) => ![200, 201, 400].includes(outcome.status))
        .map(({ label, status, text }) => ({ label, status, text })),
      [],
    );
    for (const { label, status, text, read } of outcomes) {
      if (status === 400) {
        assert.equal(ErrorEnvelopeSchema.parse(JSON.parse(text)).error.code, 400, label);
      } else {
        assert.ok((read(JSON.parse(text)) ?? 0) >= 1e7, `${label} stores the amount: ${text}`);
      }
    }
  });

  test('a malformed hash in the path is refused 400 on get, patch and delete', async (t) => {
    const harness = await startTestGatewayFor(t);
    await assertErrorResponse(await request(harness, 'GET', '/keys/xyz'), 400, /hash/);
    await assertErrorResponse(
      await request(harness, 'PATCH', '/keys/xyz', { name: 'x' }),
      400,
      /hash/,
    );
    await assertErrorResponse(await request(harness, 'DELETE', '/keys/xyz'), 400, /hash/);
  });

  test('a well-formed unknown hash is 404 on get, patch and delete', async (t) => {
    const harness = await startTestGatewayFor(t);
    const path = `/keys/${UNKNOWN_HASH}`;
    await assertErrorResponse(await request(harness, 'GET', path), 404, /not found/);
    await assertErrorResponse(
      await request(harness, 'PATCH', path, { name: 'x' }),
      404,
      /not found/,
    );
    await assertErrorResponse(await request(harness, 'DELETE', path), 404, /not found/);
    await assertSdkRejects(
      openRouterSdk(harness).apiKeys.get({ hash: UNKNOWN_HASH }),
      404,
      'API key not found',
    );
  });

  test('patch with a string limit is refused 400 and changes nothing', async (t) => {
    const harness = await startTestGatewayFor(t);
    const { hash } = await createKey(harness, 'worker', 1);
    await assertErrorResponse(
      await request(harness, 'PATCH', `/keys/${hash}`, { limit: '10', name: 'renamed' }),
      400,
      /limit/,
    );
    const unchanged = await openRouterSdk(harness).apiKeys.get({ hash });
    assert.equal(unchanged.data.limit, 1);
    assert.equal(unchanged.data.name, 'worker');
  });
});

describe('generation isolation between keys', () => {
  test('a created key cannot read the bootstrap key’s generation, and the bootstrap key reads its', async (t) => {
    const harness = await startTestGatewayFor(t);
    const { key } = await createKey(harness, 'worker');
    const bootstrapGeneration = await chat(harness, harness.key);
    const workerGeneration = await chat(harness, key);

    await assert.rejects(
      openRouterSdk(harness, key).generations.getGeneration({ id: bootstrapGeneration }),
      (error) => {
        assert.ok(error instanceof NotFoundResponseError, String(error));
        assert.equal(error.statusCode, 404);
        return true;
      },
    );
    const own = await openRouterSdk(harness, key).generations.getGeneration({
      id: workerGeneration,
    });
    assert.equal(own.data.id, workerGeneration);
    const managed = await openRouterSdk(harness).generations.getGeneration({
      id: workerGeneration,
    });
    assert.equal(managed.data.id, workerGeneration);
  });

  test('two created keys cannot read each other’s generations', async (t) => {
    const harness = await startTestGatewayFor(t);
    const first = await createKey(harness, 'first');
    const second = await createKey(harness, 'second');
    const firstGeneration = await chat(harness, first.key);
    const response = await getGeneration(harness.apiUrl, second.key, firstGeneration);
    await assertErrorResponse(response, 404, /not found/);
  });
});
