/**
 * OAuth PKCE end to end in Debian's Chromium: a small example app on loopback sends the browser
 * to the gateway's `/auth` page; the person signs in by pasting a management key and approves; the
 * app exchanges the code with `@openrouter/sdk`'s `oAuth.exchangeAuthCodeForAPIKey` (strict parse)
 * and makes a chat completion with the new key. Also deny, headless, wrong verifier, replay,
 * expiry (injected clock) and a foreign callback.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { OpenRouter } from '@openrouter/sdk';
import { type Browser, chromium, type Page } from 'playwright-core';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

const CHROMIUM = '/usr/bin/chromium';
const START_MS = Date.parse('2026-12-07T10:00:00.000Z');

/** The example app: `/` starts the flow, `/callback` exchanges the code and uses the key. */
interface ExampleApp {
  origin: string;
  close(): Promise<void>;
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);

async function startExampleApp(gatewayApiUrl: string): Promise<ExampleApp> {
  const anonymous = new OpenRouter({ serverURL: gatewayApiUrl, retryConfig: { strategy: 'none' } });
  let pendingVerifier = '';
  let origin = '';
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', origin);
    const page = (status: number, body: string) => {
      response.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
      response.end(`<!doctype html><title>Example app</title><main>${body}</main>`);
    };
    const handle = async () => {
      if (url.pathname === '/') {
        const { codeChallenge, codeVerifier } = await anonymous.oAuth.createSHA256CodeChallenge();
        // ?verifier=wrong: the app loses its verifier (what an attacker holding the code lacks).
        pendingVerifier =
          url.searchParams.get('verifier') === 'wrong' ? `${codeVerifier}x` : codeVerifier;
        const authUrl = new URL(
          await anonymous.oAuth.createAuthorizationUrl({
            callbackUrl: `${origin}/callback`,
            codeChallenge,
            codeChallengeMethod: 'S256',
            limit: 1,
          }),
        );
        authUrl.searchParams.set('key_label', 'Example app');
        response.writeHead(302, { location: authUrl.href });
        response.end();
        return;
      }
      if (url.pathname === '/callback') {
        const code = url.searchParams.get('code') ?? '';
        try {
          const { key } = await anonymous.oAuth.exchangeAuthCodeForAPIKey({
            requestBody: { code, codeVerifier: pendingVerifier, codeChallengeMethod: 'S256' },
          });
          const client = new OpenRouter({
            apiKey: key,
            serverURL: gatewayApiUrl,
            retryConfig: { strategy: 'none' },
          });
          const completion = await client.chat.send({
            chatRequest: {
              model: 'tollgate/demo',
              messages: [{ role: 'user', content: 'Hello!' }],
              maxTokens: 8,
              stream: false,
            },
          });
          if (completion instanceof ReadableStream) throw new Error('expected JSON');
          page(
            200,
            `<p id="signed-in">Signed in</p><p id="generation">${escapeHtml(completion.id)}</p>`,
          );
        } catch (error) {
          const name = error instanceof Error ? error.name : 'Error';
          const message = error instanceof Error ? error.message : String(error);
          page(502, `<p id="failed">${escapeHtml(name)}: ${escapeHtml(message)}</p>`);
        }
        return;
      }
      page(404, 'not found');
    };
    handle().catch((error: unknown) => page(500, escapeHtml(String(error))));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function keyNames(gateway: TestGateway): Promise<string[]> {
  const response = await fetch(`${gateway.apiUrl}/keys`, {
    headers: { authorization: `Bearer ${gateway.key}` },
  });
  const body = (await response.json()) as { data: Array<{ name: string; limit: number | null }> };
  return body.data.map((key) => `${key.name}|${key.limit}`);
}

async function launch(): Promise<Browser> {
  return chromium.launch({
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
}

/** A page that fails the test on console errors and on requests leaving loopback. */
async function loopbackPage(browser: Browser, allowed: readonly string[]) {
  const page = await browser.newPage();
  page.setDefaultTimeout(30_000);
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(String(error)));
  await page.route('**', (route) => {
    const url = route.request().url();
    if (allowed.some((origin) => url.startsWith(`${origin}/`))) return route.continue();
    problems.push(`external request: ${url}`);
    return route.abort('blockedbyclient');
  });
  return { page, problems };
}

async function signIn(page: Page, key: string): Promise<void> {
  await page.locator('#management-key').fill(key);
  await page.getByRole('button', { name: 'Approve' }).click();
}

test('OAuth PKCE through the /auth page in headless Chromium', {
  skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install chromium)`,
  timeout: 240_000,
}, async (t) => {
  let nowMs = START_MS;
  const gateway = await startTestGateway({ demo: true, now: () => nowMs });
  t.after(() => gateway.close());
  const app = await startExampleApp(gateway.apiUrl);
  t.after(() => app.close());
  const browser = await launch();
  t.after(() => browser.close());
  const gatewayOrigin = gateway.gateway.url;
  const { page, problems } = await loopbackPage(browser, [gatewayOrigin, app.origin]);

  await t.test(
    'the person approves, the app exchanges the code and makes a completion',
    async () => {
      await page.goto(`${app.origin}/`);
      assert.ok(page.url().startsWith(`${gatewayOrigin}/auth?`));
      assert.equal(await page.locator('#app-origin').textContent(), app.origin);
      assert.equal(await page.locator('#key-label').textContent(), 'Example app');
      assert.equal(await page.locator('#key-limit').textContent(), '$1 (USD)');
      // An inference key cannot approve: the page says why and stays.
      const inference = await fetch(`${gateway.apiUrl}/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${gateway.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'not a manager' }),
      });
      await signIn(page, ((await inference.json()) as { key: string }).key);
      await page.getByText('Only management keys can perform this operation').waitFor();
      await signIn(page, gateway.key);
      await page.waitForURL(`${app.origin}/callback?code=*`);
      assert.equal(await page.locator('#signed-in').textContent(), 'Signed in');
      const generationId = (await page.locator('#generation').textContent()) ?? '';
      assert.match(generationId, /^gen-/);
      assert.ok((await keyNames(gateway)).includes('Example app|1'));

      // Replay: the callback loaded again exchanges the same code again.
      await page.reload();
      assert.match(
        (await page.locator('#failed').textContent()) ?? '',
        /^ForbiddenResponseError: .*Invalid code or code_verifier/,
      );
    },
  );

  await t.test('a denied request creates nothing and never reaches the callback', async () => {
    const before = await keyNames(gateway);
    await page.goto(`${app.origin}/`);
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.getByText('You denied access. No key was created').waitFor();
    assert.ok(page.url().startsWith(`${gatewayOrigin}/auth?`));
    assert.deepEqual(await keyNames(gateway), before);
  });

  await t.test('an app without its verifier gets 403 and no key', async () => {
    const before = await keyNames(gateway);
    await page.goto(`${app.origin}/?verifier=wrong`);
    await signIn(page, gateway.key);
    await page.waitForURL(`${app.origin}/callback?code=*`);
    assert.match((await page.locator('#failed').textContent()) ?? '', /^ForbiddenResponseError/);
    assert.deepEqual(await keyNames(gateway), before);
  });

  await t.test('a code exchanged more than 10 minutes after approval is refused', async () => {
    const before = await keyNames(gateway);
    await page.goto(`${app.origin}/`);
    // Hold the redirect to the app, let the clock pass the code's lifetime, then deliver it.
    let heldUrl = '';
    await page.route(`${app.origin}/callback?*`, (route) => {
      heldUrl = route.request().url();
      return route.fulfill({ status: 200, contentType: 'text/html', body: 'held' });
    });
    await signIn(page, gateway.key);
    await page.waitForURL(`${app.origin}/callback?code=*`);
    await page.unroute(`${app.origin}/callback?*`);
    nowMs += 10 * 60 * 1000;
    await page.goto(heldUrl);
    assert.match((await page.locator('#failed').textContent()) ?? '', /^ForbiddenResponseError/);
    assert.deepEqual(await keyNames(gateway), before);
  });

  await t.test('headless: the code is shown on the page and needs the verifier', async () => {
    const anonymous = new OpenRouter({
      serverURL: gateway.apiUrl,
      retryConfig: { strategy: 'none' },
    });
    const { codeChallenge, codeVerifier } = await anonymous.oAuth.createSHA256CodeChallenge();
    await page.goto(
      `${gatewayOrigin}/auth?code_challenge=${codeChallenge}&code_challenge_method=S256&key_label=CLI%20tool`,
    );
    await page.getByText('headless').first().waitFor();
    await signIn(page, gateway.key);
    await page.locator('#headless').waitFor();
    const code = (await page.locator('#code').textContent()) ?? '';
    assert.match(code, /^[A-Za-z0-9_-]{43}$/);
    const { key, userId } = await anonymous.oAuth.exchangeAuthCodeForAPIKey({
      requestBody: { code, codeVerifier, codeChallengeMethod: 'S256' },
    });
    assert.match(key, /^sk-tg-v1-/);
    assert.equal(userId, null);
    assert.ok((await keyNames(gateway)).includes('CLI tool|null'));

    const refused = await page.goto(`${gatewayOrigin}/auth?key_label=no-challenge`);
    assert.equal(refused?.status(), 400);
    await page.getByText('`code_challenge` is required').waitFor();
  });

  await t.test('a foreign callback is refused on the page, without a redirect', async () => {
    const foreign = 'https://evil.example/steal';
    const response = await page.goto(
      `${gatewayOrigin}/auth?callback_url=${encodeURIComponent(foreign)}&code_challenge=${'a'.repeat(43)}`,
    );
    assert.equal(response?.status(), 400);
    assert.ok(page.url().startsWith(`${gatewayOrigin}/auth?`));
    assert.match(
      (await page.locator('#error').textContent()) ?? '',
      /origin https:\/\/evil\.example is not allowed/,
    );
    assert.equal(await page.locator('#management-key').count(), 0);
    assert.equal(response?.headers()['x-frame-options'], 'DENY');
    assert.match(response?.headers()['content-security-policy'] ?? '', /frame-ancestors 'none'/);
  });

  assert.deepEqual(problems, []);
});
