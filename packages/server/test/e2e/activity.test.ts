import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OpenRouter } from '@openrouter/sdk';
import {
  ActivityResponseSchema,
  ActivitySummaryResponseSchema,
  ErrorEnvelopeSchema,
} from '@tollgate/protocol';
import { formatUsd, toUsdNumber } from '../../src/ledger/money.js';
import { postJson } from '../helpers/http.js';
import { openAIChatCompletion } from '../helpers/openai-fixtures.js';
import { defaultTestConfig, startTestGateway } from '../helpers/start-test-gateway.js';

const DAY_MS = 86_400_000;

/** Two models on the fake upstream, so activity has more than one group. */
function twoModelConfig(upstreamUrl: string): unknown {
  const base = defaultTestConfig(upstreamUrl) as { providers: unknown[]; models: object[] };
  return {
    ...base,
    models: [
      ...base.models,
      {
        id: 'test/other',
        name: 'Other',
        endpoints: [
          {
            provider: 'Acme',
            model: 'upstream-model-2',
            pricing: { prompt: '0.0000007', completion: '0.0000031' },
          },
        ],
      },
    ],
  };
}

async function getJson(url: string, key: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
  return { status: response.status, body: await response.json() };
}

test('activity, summaries and the rollups equal the records to the pico, through retention', async (t) => {
  let nowMs = Date.parse('2026-12-05T10:30:00.000Z');
  const harness = await startTestGateway({ config: twoModelConfig, now: () => nowMs });
  t.after(() => harness.close());
  let tokens = 100;
  harness.upstream.route('/v1/chat/completions', () => {
    tokens += 37;
    return {
      kind: 'json',
      body: openAIChatCompletion({
        usage: { prompt_tokens: tokens, completion_tokens: tokens * 3, reasoning_tokens: 11 },
      }),
    };
  });
  const created = await postJson(harness.apiUrl, '/keys', harness.key, { name: 'app' });
  const { key: appKey, data: appData } = (await created.json()) as {
    key: string;
    data: { hash: string };
  };
  const chat = async (key: string, model: string, user?: string) => {
    const response = await postJson(harness.apiUrl, '/chat/completions', key, {
      model,
      messages: [{ role: 'user', content: 'Hello' }],
      ...(user === undefined ? {} : { user }),
    });
    assert.equal(response.status, 200);
  };
  // Day 1 (12-05): both keys, both models, two end users.
  await chat(appKey, 'test/model', 'alice');
  await chat(appKey, 'test/model', 'bob');
  await chat(appKey, 'test/other', 'alice');
  await chat(harness.key, 'test/model');
  // Day 2 (12-06), two different hours.
  nowMs = Date.parse('2026-12-06T08:05:00.000Z');
  await chat(appKey, 'test/other', 'alice');
  nowMs = Date.parse('2026-12-06T23:59:59.000Z');
  await chat(appKey, 'test/model');
  // Today (12-07) is not a completed day: it is not in /activity.
  nowMs = Date.parse('2026-12-07T01:00:00.000Z');
  await chat(appKey, 'test/model', 'carol');

  const storage = harness.gateway.context.storage;
  const dayUsage = (day: string, keyHash: string | null = null) =>
    storage.generations.sumUsageBefore(
      keyHash,
      `${day}T00:00:00.000Z`,
      new Date(Date.parse(`${day}T00:00:00.000Z`) + DAY_MS).toISOString(),
    );
  const expectedDay1 = await dayUsage('2026-12-05');
  const expectedDay2 = await dayUsage('2026-12-06');
  assert.ok(expectedDay1 > 0n && expectedDay2 > 0n);

  const client = new OpenRouter({
    apiKey: harness.key,
    serverURL: harness.apiUrl,
    retryConfig: { strategy: 'none' },
  });
  const checkActivity = async () => {
    // The strict SDK parses it (it throws on any missing or mistyped field).
    const activity = await client.analytics.getUserActivity();
    assert.deepEqual(
      activity.data.map((item) => [item.date, item.model, item.requests]),
      [
        ['2026-12-06', 'test/model', 1],
        ['2026-12-06', 'test/other', 1],
        ['2026-12-05', 'test/model', 3],
        ['2026-12-05', 'test/other', 1],
      ],
    );
    for (const item of activity.data) {
      assert.equal(item.providerName, 'Acme');
      assert.equal(item.modelPermaslug, item.model);
      assert.equal(
        item.endpointId,
        item.model === 'test/model' ? 'Acme/upstream-model-1' : 'Acme/upstream-model-2',
      );
      assert.equal(item.reasoningTokens, 11 * item.requests);
      assert.equal(item.completionTokens, 3 * item.promptTokens);
      assert.equal(item.byokUsageInference, 0);
    }
    const raw = await getJson(`${harness.apiUrl}/activity`, harness.key);
    assert.equal(raw.status, 200);
    const body = ActivityResponseSchema.parse(raw.body);
    const sumOf = (date: string) =>
      body.data.filter((item) => item.date === date).reduce((sum, item) => sum + item.usage, 0);
    assert.ok(Math.abs(sumOf('2026-12-05') - toUsdNumber(expectedDay1)) < 1e-12);
    assert.ok(Math.abs(sumOf('2026-12-06') - toUsdNumber(expectedDay2)) < 1e-12);

    // The exact sums: the summary's decimal strings equal the records' pico sums.
    const summary = ActivitySummaryResponseSchema.parse(
      (
        await getJson(
          `${harness.apiUrl}/activity/summary?group_by=key&from=2026-12-05&to=2026-12-07`,
          harness.key,
        )
      ).body,
    );
    assert.equal(summary.totals.usage_exact, formatUsd(expectedDay1 + expectedDay2));
    for (const row of summary.data) {
      assert.equal(row.usage_exact, formatUsd(await dayUsage(row.period, row.group)));
    }
    return activity;
  };
  const before = await checkActivity();

  const oneDay = await client.analytics.getUserActivity({ date: '2026-12-05' });
  assert.deepEqual(
    oneDay.data,
    before.data.filter((item) => item.date === '2026-12-05'),
  );

  // Summaries by hour, by end user and by provider; an inference key sees only its own usage.
  const hourly = ActivitySummaryResponseSchema.parse(
    (
      await getJson(
        `${harness.apiUrl}/activity/summary?group_by=model&granularity=hour&from=2026-12-06T00&to=2026-12-07T02`,
        harness.key,
      )
    ).body,
  );
  assert.deepEqual(
    hourly.data.map((row) => [row.period, row.group, row.requests]),
    [
      ['2026-12-06T08', 'test/other', 1],
      ['2026-12-06T23', 'test/model', 1],
      ['2026-12-07T01', 'test/model', 1],
    ],
  );
  const users = ActivitySummaryResponseSchema.parse(
    (
      await getJson(
        `${harness.apiUrl}/activity/summary?group_by=external_user&from=2026-12-05&to=2026-12-08`,
        appKey,
      )
    ).body,
  );
  assert.deepEqual(
    users.data.map((row) => [row.period, row.group, row.requests]),
    [
      ['2026-12-05', 'alice', 2],
      ['2026-12-05', 'bob', 1],
      ['2026-12-06', 'alice', 1],
      ['2026-12-07', 'carol', 1],
    ],
  );
  const ownKeys = ActivitySummaryResponseSchema.parse(
    (
      await getJson(
        `${harness.apiUrl}/activity/summary?group_by=key&from=2026-12-05&to=2026-12-08`,
        appKey,
      )
    ).body,
  );
  assert.deepEqual([...new Set(ownKeys.data.map((row) => row.group))], [appData.hash]);
  // The key's own total equals its /key usage.
  const keyView = (await getJson(`${harness.apiUrl}/key`, appKey)).body as {
    data: { usage: number };
  };
  assert.equal(ownKeys.totals.usage, keyView.data.usage);
  const providers = ActivitySummaryResponseSchema.parse(
    (await getJson(`${harness.apiUrl}/activity/summary?group_by=provider`, harness.key)).body,
  );
  assert.deepEqual([...new Set(providers.data.map((row) => row.group))], ['Acme']);
  const credits = (await getJson(`${harness.apiUrl}/credits`, harness.key)).body as {
    data: { total_usage: number };
  };
  assert.equal(providers.totals.usage, credits.data.total_usage);

  // Retention deletes the records; the rollups (and so /activity) stay exactly the same.
  assert.equal(await storage.retention.purgeBatch('9999-12-31T00:00:00.000Z', 100), 7);
  assert.deepEqual(await client.analytics.getUserActivity(), before);
});

test('activity refuses inference keys and bad dates as OpenRouter does', async (t) => {
  const nowMs = Date.parse('2026-12-07T12:00:00.000Z');
  const harness = await startTestGateway({ now: () => nowMs });
  t.after(() => harness.close());
  const created = await postJson(harness.apiUrl, '/keys', harness.key, { name: 'app' });
  const { key } = (await created.json()) as { key: string };

  const forbidden = await getJson(`${harness.apiUrl}/activity`, key);
  assert.equal(forbidden.status, 403);
  assert.equal(
    ErrorEnvelopeSchema.parse(forbidden.body).error.message,
    'Only management keys can fetch activity',
  );

  const empty = await getJson(`${harness.apiUrl}/activity`, harness.key);
  assert.deepEqual(empty, { status: 200, body: { data: [] } });
  assert.equal(
    (await getJson(`${harness.apiUrl}/activity?date=2026-11-07`, harness.key)).status,
    200,
  );
  for (const date of ['2026-12-07', '2026-11-06', '2026-02-30', '12/06/2026', '']) {
    const response = await getJson(`${harness.apiUrl}/activity?date=${date}`, harness.key);
    assert.equal(response.status, 400, date);
    assert.match(ErrorEnvelopeSchema.parse(response.body).error.message, /`date`/);
  }
  for (const [query, parameter] of [
    ['group_by=day', 'group_by'],
    ['group_by=key&granularity=week', 'granularity'],
    ['group_by=key&from=yesterday', 'from'],
    ['group_by=key&granularity=hour&from=2026-12-07T10:30:00Z', 'from'],
    ['group_by=key&from=2026-12-07&to=2026-12-01', 'from'],
    ['group_by=key&from=2020-01-01&to=2026-12-01', 'to'],
  ] as const) {
    const response = await getJson(`${harness.apiUrl}/activity/summary?${query}`, harness.key);
    assert.equal(response.status, 400, query);
    assert.match(ErrorEnvelopeSchema.parse(response.body).error.message, new RegExp(parameter));
  }
});
