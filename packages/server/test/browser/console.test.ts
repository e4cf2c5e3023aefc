/**
 * The web console in headless Chromium against a real gateway, with real generations made through
 * it: every page is driven, its numbers are checked against the API, and screenshots are saved
 * (under docs/screenshots/ for the README with TOLLGATE_UPDATE_SCREENSHOTS=1).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { test } from 'node:test';
import { chromium, type Page } from 'playwright-core';
import { postJson } from '../helpers/http.js';
import { openAIChatCompletion } from '../helpers/openai-fixtures.js';
import { startTestGateway } from '../helpers/start-test-gateway.js';

const CHROMIUM = '/usr/bin/chromium';
// The README's screenshots are rewritten only on request (TOLLGATE_UPDATE_SCREENSHOTS=1), so a
// test run leaves the work tree clean; otherwise they go to the ignored test-artifacts/.
const SCREENSHOTS = new URL(
  process.env['TOLLGATE_UPDATE_SCREENSHOTS'] === '1'
    ? '../../../../docs/screenshots/'
    : '../../../../test-artifacts/console/',
  import.meta.url,
);

/** The console's own USD display (packages/console/src/format.ts). */
const usd = (value: number) =>
  `$${value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 6 })}`;

async function api<T>(url: string, key: string): Promise<T> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
  assert.equal(response.status, 200, url);
  return (await response.json()) as T;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: new URL(`${name}.png`, SCREENSHOTS).pathname, fullPage: true });
}

test('the console shows activity, generations, keys and credits that match the API, in Chromium', {
  skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install chromium)`,
  timeout: 240_000,
}, async (t) => {
  const harness = await startTestGateway();
  t.after(() => harness.close());
  const origin = harness.gateway.url;
  let tokens = 900;
  harness.upstream.route('/v1/chat/completions', () => {
    tokens += 131;
    return {
      kind: 'json',
      body: openAIChatCompletion({
        usage: { prompt_tokens: tokens, completion_tokens: Math.floor(tokens / 3) },
      }),
    };
  });
  // Two grants made through the API (the chats between them keep their created_at apart).
  const seed = await postJson(harness.apiUrl, '/credits', harness.key, {
    amount: 2.5,
    note: 'opening balance',
  });
  assert.equal(seed.status, 201);
  const created = await postJson(harness.apiUrl, '/keys', harness.key, { name: 'billing-app' });
  const { key: appKey } = (await created.json()) as { key: string };
  for (const [key, user] of [
    [appKey, 'alice'],
    [appKey, 'bob'],
    [appKey, 'alice'],
    [harness.key, 'ops'],
    [harness.key, 'ops'],
  ] as const) {
    const response = await postJson(harness.apiUrl, '/chat/completions', key, {
      model: 'test/model',
      messages: [{ role: 'user', content: 'Summarize the invoice' }],
      user,
    });
    assert.equal(response.status, 200);
  }
  const correction = await postJson(harness.apiUrl, '/credits', harness.key, {
    amount: -0.75,
    note: 'correction',
  });
  assert.equal(correction.status, 201);

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-sync'],
  });
  t.after(() => browser.close());
  await mkdir(SCREENSHOTS, { recursive: true });
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    colorScheme: 'light',
  });
  const page = await context.newPage();
  page.setDefaultTimeout(60_000);
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(String(error)));
  page.on('dialog', (dialog) => void dialog.accept());
  // Offline: anything not served by this gateway fails the test.
  const external: string[] = [];
  await page.route('**', (route) => {
    const url = route.request().url();
    if (url.startsWith(`${origin}/`) || url.startsWith('data:') || url.startsWith('blob:')) {
      return route.continue();
    }
    external.push(url);
    return route.abort('blockedbyclient');
  });

  // Sign in with the management key.
  await page.goto(`${origin}/console`);
  await page.getByLabel('API key').fill(harness.key);
  await page.getByRole('button', { name: 'Sign in' }).click();

  // Activity: the range totals equal the summary API, the all-time figures /credits and /key.
  const today = new Date().toISOString().slice(0, 10);
  const from = new Date(Date.now() - 6 * 86_400_000).toISOString().slice(0, 10);
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  const summary = await api<{
    totals: {
      usage_exact: string;
      requests: number;
      prompt_tokens: number;
      completion_tokens: number;
    };
  }>(`${harness.apiUrl}/activity/summary?group_by=model&from=${from}&to=${tomorrow}`, harness.key);
  const credits = await api<{ data: { total_usage: number; total_credits: number } }>(
    `${harness.apiUrl}/credits`,
    harness.key,
  );
  const adminKey = await api<{ data: { usage: number } }>(`${harness.apiUrl}/key`, harness.key);
  await page.getByTestId('range-spend').waitFor();
  assert.equal(
    await page.getByTestId('range-spend').textContent(),
    `$${summary.totals.usage_exact}`,
  );
  assert.equal(await page.getByTestId('range-requests').textContent(), '5');
  assert.equal(
    await page.getByTestId('range-tokens').textContent(),
    (summary.totals.prompt_tokens + summary.totals.completion_tokens).toLocaleString('en-US'),
  );
  assert.equal(
    await page.getByTestId('account-usage').textContent(),
    usd(credits.data.total_usage),
  );
  assert.equal(await page.getByTestId('key-usage').textContent(), usd(adminKey.data.usage));
  assert.ok(today >= from);
  await page.getByLabel('Stack by').selectOption('external_user');
  await page.locator('table.grid td', { hasText: 'alice' }).first().waitFor();
  await shot(page, 'console-activity');

  // Generations: the log lists every generation, each linking to its full record.
  await page.getByRole('link', { name: 'Generations' }).click();
  const log = await api<{
    data: Array<{ id: string; usage: number; native_tokens_prompt: number }>;
  }>(`${harness.apiUrl}/generations`, harness.key);
  const rows = page.getByTestId('generations').locator('tbody tr');
  await rows.nth(4).waitFor();
  assert.equal(await rows.count(), 5);
  const first = log.data[0];
  assert.ok(first !== undefined);
  assert.equal(await rows.first().getAttribute('data-id'), first.id);
  assert.equal(await rows.first().locator('td.cost').textContent(), usd(first.usage));
  await page.getByLabel('End user').fill('alice');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.waitForFunction(
    () => document.querySelectorAll('[data-testid="generations"] tbody tr').length === 2,
  );
  await shot(page, 'console-generations');
  // Every id links to its record.
  const aliceId = await rows.first().getAttribute('data-id');
  assert.equal(await rows.first().locator('a').getAttribute('href'), `#/generations/${aliceId}`);
  await rows.first().locator('a').click();
  await page.getByTestId('generation-detail').waitFor();
  assert.equal(await page.locator('main h1').textContent(), aliceId);
  await page.goto(`${origin}/console#/generations/${first.id}`);
  await page.getByTestId('generation-detail').waitFor();
  assert.equal(await page.getByTestId('detail-usage').textContent(), usd(first.usage));
  assert.equal(
    await page.getByTestId('native-prompt').textContent(),
    first.native_tokens_prompt.toLocaleString('en-US'),
  );
  assert.ok((await page.getByTestId('attempts').locator('tbody tr').count()) >= 1);
  await page.getByTestId('cost-breakdown').waitFor();
  await shot(page, 'console-generation');

  // Keys: create (the secret is shown once), disable, delete; usage per key matches /keys.
  await page.getByRole('link', { name: 'Keys' }).click();
  const keysTable = page.getByTestId('keys');
  await keysTable.locator('tbody tr').nth(1).waitFor();
  const listed = await api<{ data: Array<{ hash: string; name: string; usage: number }> }>(
    `${harness.apiUrl}/keys`,
    harness.key,
  );
  for (const key of listed.data) {
    assert.equal(
      await keysTable.locator(`tr[data-hash="${key.hash}"] td.usage`).textContent(),
      usd(key.usage),
    );
  }
  await page.getByLabel('Name').fill('console-made');
  await page.getByLabel('Limit (USD)').fill('5');
  await page.getByLabel('Resets').selectOption('daily');
  await page.getByRole('button', { name: 'Create key' }).click();
  const secret = await page.getByTestId('new-secret').locator('code').textContent();
  assert.match(secret ?? '', /^sk-tg-v1-/);
  await keysTable.getByText('console-made').waitFor();
  await shot(page, 'console-keys');
  const made = (
    await api<{ data: Array<{ hash: string; name: string; limit: number; limit_reset: string }> }>(
      `${harness.apiUrl}/keys`,
      harness.key,
    )
  ).data.find((key) => key.name === 'console-made');
  assert.ok(made !== undefined);
  assert.deepEqual([made.limit, made.limit_reset], [5, 'daily']);
  const madeRow = keysTable.locator(`tr[data-hash="${made.hash}"]`);
  await madeRow.getByRole('button', { name: 'Disable' }).click();
  await page.waitForSelector(`tr.disabled[data-hash="${made.hash}"]`);
  const disabled = await api<{ data: { disabled: boolean } }>(
    `${harness.apiUrl}/keys/${made.hash}`,
    harness.key,
  );
  assert.equal(disabled.data.disabled, true);
  await madeRow.getByRole('button', { name: 'Delete' }).click();
  await madeRow.waitFor({ state: 'detached' });
  const gone = await fetch(`${harness.apiUrl}/keys/${made.hash}`, {
    headers: { authorization: `Bearer ${harness.key}` },
  });
  assert.equal(gone.status, 404);

  // Credits: the API's grants are listed; a grant made here shows up in the balance, as /credits
  // reports it, and at the top of the grants, with the exact amounts /credits/grants lists.
  await page.getByRole('link', { name: 'Credits' }).click();
  await page.waitForFunction(
    () => document.querySelectorAll('[data-testid="grants"] tbody tr').length === 2,
  );
  await page.getByLabel(/Amount/).fill('10');
  await page.getByLabel('Note').fill('console grant');
  await page.getByRole('button', { name: 'Grant' }).click();
  await page.waitForFunction(
    () => document.querySelector('[data-testid="total-credits"]')?.textContent === '$11.75',
  );
  await page.waitForFunction(
    () => document.querySelectorAll('[data-testid="grants"] tbody tr').length === 3,
  );
  const after = await api<{ data: { total_usage: number; total_credits: number } }>(
    `${harness.apiUrl}/credits`,
    harness.key,
  );
  assert.equal(after.data.total_credits, 11.75);
  const grantsListed = await api<{ data: Array<{ amount_exact: string; note: string | null }> }>(
    `${harness.apiUrl}/credits/grants`,
    harness.key,
  );
  assert.deepEqual(
    grantsListed.data.map((grant) => [grant.amount_exact, grant.note]),
    [
      ['10', 'console grant'],
      ['-0.75', 'correction'],
      ['2.5', 'opening balance'],
    ],
  );
  const grantRows = await page
    .getByTestId('grants')
    .locator('tbody tr')
    .evaluateAll((elements) =>
      elements.map((row) => Array.from(row.querySelectorAll('td'), (cell) => cell.textContent)),
    );
  assert.deepEqual(
    grantRows.map(([, amount, note]) => [amount, note]),
    [
      ['$10', 'console grant'],
      ['$-0.75', 'correction'],
      ['$2.5', 'opening balance'],
    ],
  );
  assert.equal(
    await page.getByTestId('balance').textContent(),
    usd(after.data.total_credits - after.data.total_usage),
  );
  await shot(page, 'console-credits');

  // Dark theme and a narrow screen: nothing overflows the viewport horizontally.
  await page.getByRole('button', { name: 'Toggle theme' }).click();
  await page.getByRole('link', { name: 'Activity' }).click();
  await page.getByTestId('range-spend').waitFor();
  await shot(page, 'console-activity-dark');
  await page.setViewportSize({ width: 390, height: 844 });
  for (const route of ['activity', 'generations', 'keys', 'credits']) {
    await page.goto(`${origin}/console#/${route}`);
    await page.locator('main h1').waitFor();
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - window.innerWidth,
    );
    assert.ok(overflow <= 0, `${route} overflows a 390 px screen by ${overflow} px`);
  }
  await page.goto(`${origin}/console#/activity`);
  await page.getByTestId('range-spend').waitFor();
  await shot(page, 'console-narrow');

  // An inference key sees its own usage only, and no Keys or Credits pages.
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('API key').fill(appKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('range-spend').waitFor();
  assert.equal(await page.getByRole('link', { name: 'Keys' }).count(), 0);
  const appView = await api<{ data: { usage: number } }>(`${harness.apiUrl}/key`, appKey);
  assert.equal(await page.getByTestId('key-usage').textContent(), usd(appView.data.usage));
  await page.getByRole('link', { name: 'Generations' }).click();
  await page.getByTestId('generations').locator('tbody tr').nth(2).waitFor();
  assert.equal(await page.getByTestId('generations').locator('tbody tr').count(), 3);

  assert.deepEqual(consoleErrors, []);
  assert.deepEqual(external, []);
});
