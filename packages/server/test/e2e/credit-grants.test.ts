import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CreditGrantsResponseSchema, ErrorEnvelopeSchema } from '@tollgate/protocol';
import { runCommand } from '../../src/cli.js';
import { toUsdNumber } from '../../src/ledger/money.js';
import { postJson } from '../helpers/http.js';
import { startTestGateway } from '../helpers/start-test-gateway.js';

async function listGrants(apiUrl: string, key: string, query = '') {
  const response = await fetch(`${apiUrl}/credits/grants${query}`, {
    headers: { authorization: `Bearer ${key}` },
  });
  assert.equal(response.status, 200);
  return CreditGrantsResponseSchema.parse(await response.json()).data;
}

test('GET /credits/grants lists POST /credits and CLI grants newest first, exactly', async (t) => {
  // The gateway's clock starts a day back and moves a minute per grant; the CLI uses the real one.
  let nowMs = Date.now() - 86_400_000;
  const harness = await startTestGateway({ now: () => nowMs });
  t.after(() => harness.close());
  assert.deepEqual(await listGrants(harness.apiUrl, harness.key), []);

  for (const [amount, note] of [
    [10, 'opening balance'],
    [0.123456789012, undefined],
    [-2.5, 'correction'],
  ] as const) {
    nowMs += 60_000;
    const response = await postJson(harness.apiUrl, '/credits', harness.key, {
      amount,
      ...(note === undefined ? {} : { note }),
    });
    assert.equal(response.status, 201);
  }
  // The operator CLI writes the same table from another connection, at the real (later) time.
  const output: string[] = [];
  const code = await runCommand(
    ['credits', 'add', '-0.000000000001', 'rounding', 'fix'],
    {
      TOLLGATE_DATA_DIR: harness.dataDir,
      ...(harness.postgresUrl === null ? {} : { DATABASE_URL: harness.postgresUrl }),
    },
    (text) => output.push(text),
  );
  assert.equal(code, 0, output.join(''));

  const grants = await listGrants(harness.apiUrl, harness.key);
  assert.deepEqual(
    grants.map((grant) => [grant.amount_exact, grant.amount, grant.note]),
    [
      ['-0.000000000001', -1e-12, 'rounding fix'],
      ['-2.5', -2.5, 'correction'],
      ['0.123456789012', 0.123456789012, null],
      ['10', 10, 'opening balance'],
    ],
  );
  const times = grants.map((grant) => grant.created_at);
  assert.deepEqual([...times].sort().reverse(), times, 'newest first');
  assert.equal(new Set(grants.map((grant) => grant.id)).size, 4);

  // The listed grants add up to /credits' total_credits.
  const credits = await fetch(`${harness.apiUrl}/credits`, {
    headers: { authorization: `Bearer ${harness.key}` },
  });
  const totals = (await credits.json()) as { data: { total_credits: number } };
  assert.equal(totals.data.total_credits, toUsdNumber(7_623_456_789_011n));

  // `limit` keeps the newest.
  assert.deepEqual(await listGrants(harness.apiUrl, harness.key, '?limit=2'), grants.slice(0, 2));
});

test('GET /credits/grants refuses inference keys (403) and a bad limit (400 naming it)', async (t) => {
  const harness = await startTestGateway();
  t.after(() => harness.close());
  const created = await postJson(harness.apiUrl, '/keys', harness.key, { name: 'app' });
  const { key: appKey } = (await created.json()) as { key: string };

  const forbidden = await fetch(`${harness.apiUrl}/credits/grants`, {
    headers: { authorization: `Bearer ${appKey}` },
  });
  assert.equal(forbidden.status, 403);
  assert.equal(ErrorEnvelopeSchema.parse(await forbidden.json()).error.code, 403);

  const anonymous = await fetch(`${harness.apiUrl}/credits/grants`);
  assert.equal(anonymous.status, 401);

  for (const limit of ['0', '1001', 'ten', '1.5', '-1']) {
    const response = await fetch(`${harness.apiUrl}/credits/grants?limit=${limit}`, {
      headers: { authorization: `Bearer ${harness.key}` },
    });
    assert.equal(response.status, 400, `limit=${limit}`);
    const { error } = ErrorEnvelopeSchema.parse(await response.json());
    assert.equal(error.code, 400);
    assert.match(error.message, /`limit`/);
    assert.deepEqual(error.metadata, { parameter: 'limit' });
  }
  assert.deepEqual(await listGrants(harness.apiUrl, harness.key, '?limit=1000'), []);
});
