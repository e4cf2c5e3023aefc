import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { GUIDE_FILES } from '../../src/openapi/load-guides.js';
import { startTestGateway } from '../helpers/start-test-gateway.js';

const CHROMIUM = '/usr/bin/chromium';

test('the guides are plain HTML pages whose links all work, in headless Chromium, without console errors', {
  skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install chromium)`,
  timeout: 180_000,
}, async (t) => {
  const testGateway = await startTestGateway({ demo: true });
  t.after(() => testGateway.close());
  const origin = testGateway.gateway.url;

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-sync'],
  });
  t.after(() => browser.close());
  const page = await browser.newPage();
  page.setDefaultTimeout(60_000);
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(String(error)));

  // The API reference links to the guides; the guides are no OpenAPI document.
  await page.goto(`${origin}/docs`);
  await page
    .locator('.tollgate-docs-bar')
    .getByRole('link', { name: 'Guides', exact: true })
    .click();
  await page.waitForURL(`${origin}/docs/guides`);
  assert.equal(await page.locator('script').count(), 0, 'the guides are static pages');

  // Every page of the sidebar opens, shows its title as a heading, and is no OpenAPI rendering.
  const sidebar = page.getByRole('navigation', { name: 'Documentation' });
  const titles = await sidebar.locator('li a').allTextContents();
  assert.equal(titles.length, GUIDE_FILES.length);
  const hrefs = new Set<string>();
  for (const title of titles) {
    await sidebar.getByRole('link', { name: title, exact: true }).click();
    await page.getByRole('heading', { level: 1, name: title }).waitFor();
    assert.doesNotMatch(
      await page.locator('body').innerText(),
      /OpenAPI 3\.1\.0|Download OpenAPI Document|Client Libraries/,
    );
    for (const href of await page
      .locator('main a[href]')
      .evaluateAll((anchors) => anchors.map((anchor) => (anchor as HTMLAnchorElement).href))) {
      hrefs.add(href);
    }
  }

  // Every link inside the guides leads somewhere: another guide (and its anchor), the gateway,
  // or the web (not followed: the test runs offline).
  let followed = 0;
  for (const href of hrefs) {
    const url = new URL(href);
    if (url.origin !== origin) continue;
    const response = await fetch(new URL(url.pathname, origin));
    assert.equal(response.status, 200, `${href} answers ${response.status}`);
    if (url.hash !== '') {
      await page.goto(href);
      const id = decodeURIComponent(url.hash.slice(1));
      assert.equal(await page.locator(`[id="${id}"]`).count(), 1, `${href}: no element #${id}`);
    }
    followed++;
  }
  assert.ok(followed >= 10, `only ${followed} links between guides`);

  // The quickstart's link to the record reference goes to that page.
  await page.goto(`${origin}/docs/guides/quickstart`);
  await page.getByRole('main').getByRole('link', { name: 'The generation record' }).click();
  await page.waitForURL(`${origin}/docs/guides/generation-record`);
  await page.getByRole('heading', { level: 1, name: 'The generation record' }).waitFor();

  const missing = await fetch(`${origin}/docs/guides/no-such-guide`);
  assert.equal(missing.status, 404);
  assert.equal(((await missing.json()) as { error: { code: number } }).error.code, 404);
  assert.deepEqual(consoleErrors, []);
});
