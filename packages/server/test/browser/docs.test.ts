import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { postJson } from '../helpers/http.js';
import { startTestGateway } from '../helpers/start-test-gateway.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = new URL('../../../../test-artifacts/', import.meta.url);

test('the /docs explorer fetches a real generation from this gateway in headless Chromium, offline, without console errors', {
  skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install chromium)`,
  timeout: 180_000,
}, async (t) => {
  const testGateway = await startTestGateway({ demo: true });
  t.after(() => testGateway.close());
  const origin = testGateway.gateway.url;

  const completion = await postJson(testGateway.apiUrl, '/chat/completions', testGateway.key, {
    model: 'tollgate/demo',
    messages: [{ role: 'user', content: 'Hello!' }],
    max_tokens: 12,
  });
  assert.equal(completion.status, 200);
  const { id } = (await completion.json()) as { id: string };
  const stored = (await (
    await fetch(`${testGateway.apiUrl}/generation?id=${id}`, {
      headers: { authorization: `Bearer ${testGateway.key}` },
    })
  ).json()) as { data: { total_cost: number } };

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.setDefaultTimeout(60_000);

  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(String(error)));
  // Offline: anything not served by this gateway (a CDN, fonts, telemetry) fails the test.
  const externalRequests: string[] = [];
  await page.route('**', (route) => {
    const url = route.request().url();
    if (url.startsWith(`${origin}/`) || url.startsWith('data:') || url.startsWith('blob:')) {
      return route.continue();
    }
    externalRequests.push(url);
    return route.abort('blockedbyclient');
  });

  await page.goto(`${origin}/docs`);
  await page.getByText('Generations', { exact: true }).first().click();
  await page.getByText('Get a generation', { exact: true }).first().click();
  await page
    .getByRole('button', { name: /Test Request/ })
    .first()
    .click();

  const client = page.getByRole('dialog', { name: 'API Client' });
  await client.getByLabel('Bearer Token').fill(testGateway.key);
  const idRow = client.locator('tr', {
    has: page.getByRole('combobox', { name: 'Key', exact: true }).filter({ hasText: /^id$/ }),
  });
  const idValue = idRow.getByRole('combobox', { name: 'Value', exact: true });
  await idValue.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.insertText(id);

  const [response] = await Promise.all([
    page.waitForResponse((candidate) => candidate.url().startsWith(`${origin}/api/v1/generation?`)),
    client
      .getByRole('button', { name: /^Send get request to/ })
      .filter({ visible: true })
      .click(),
  ]);
  assert.equal(response.status(), 200);
  assert.equal(await response.request().headerValue('authorization'), `Bearer ${testGateway.key}`);
  assert.equal(new URL(response.url()).searchParams.get('id'), id);

  // The response panel shows the record the gateway returned (quoted JSON: not the id input).
  await client.getByText('200 OK').first().waitFor();
  await client.getByText(`"${id}"`).first().waitFor();
  await client.getByText('"total_cost"').first().waitFor();
  await client.getByText(String(stored.data.total_cost)).first().waitFor();
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: new URL('docs-explorer.png', ARTIFACTS).pathname });

  assert.deepEqual(externalRequests, []);
  assert.deepEqual(consoleErrors, []);
});
