/**
 * The React Query hooks in a real React tree: a small app (test/browser/hooks-app.tsx) bundled
 * with esbuild, served from its own origin and run in headless Chromium against the real gateway,
 * which it reaches through CORS.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { Tollgate } from '../src/index.js';
import {
  CHAT_MODEL,
  openAIChatCompletion,
  openAIStreamEvents,
  startSdkGateway,
} from './helpers/sdk-gateway.js';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Bundles the test app for the browser. */
async function bundleApp(): Promise<string> {
  const result = await build({
    entryPoints: [join(import.meta.dirname, 'browser', 'hooks-app.tsx')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    write: false,
    logLevel: 'error',
  });
  const [output] = result.outputFiles;
  assert.ok(output !== undefined);
  return output.text;
}

/** Serves the page and the bundle from a second loopback origin. */
async function servePage(settings: object, bundle: string) {
  const html = `<!doctype html><html><body><div id="root"></div>
<script>globalThis.TOLLGATE = ${JSON.stringify(settings)};</script>
<script type="module" src="/app.js"></script></body></html>`;
  const server = createServer((request, response) => {
    const isScript = request.url === '/app.js';
    response.writeHead(200, {
      'content-type': isScript ? 'text/javascript' : 'text/html; charset=utf-8',
    });
    response.end(isScript ? bundle : html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

test('the hooks render gateway data in headless Chromium, and mutations write through', {
  timeout: 120_000,
}, async (t) => {
  const harness = await startSdkGateway();
  t.after(() => harness.close());
  harness.upstream.route('/v1/chat/completions', {
    kind: 'json',
    body: openAIChatCompletion({ content: 'from node' }),
  });
  const client = new Tollgate({ apiKey: harness.key, serverURL: harness.apiUrl });
  const made = await client.chat.send({
    model: CHAT_MODEL,
    messages: [{ role: 'user', content: 'hi' }],
  });
  const { data: record } = await client.generations.getGeneration({ id: made.id });

  const page = await servePage(
    { serverURL: harness.apiUrl, apiKey: harness.key, generationId: made.id, model: CHAT_MODEL },
    await bundleApp(),
  );
  t.after(() => page.close());
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
  t.after(() => browser.close());
  const tab = await browser.newPage();
  const pageErrors: string[] = [];
  tab.on('pageerror', (error) => pageErrors.push(error.message));
  await tab.goto(page.url);
  const text = async (testId: string, expected: RegExp) => {
    const locator = tab.getByTestId(testId);
    await locator.filter({ hasText: expected }).waitFor();
    return (await locator.textContent()) ?? '';
  };

  const generation = JSON.parse(await text('generation', /totalCost/)) as Record<string, unknown>;
  assert.deepEqual(generation, {
    id: made.id,
    totalCost: record.totalCost,
    tokens: record.nativeTokensPrompt,
  });
  assert.equal(await text('missing', /Error/), 'NotFoundResponseError 404');
  assert.equal(await text('providers', /Acme/), 'Acme');
  assert.equal(await text('model-count', /\d/), '2');
  assert.equal(await text('keys', /bootstrap/), 'bootstrap');

  await tab.getByTestId('create-key').click();
  assert.equal(await text('keys', /from-browser/), 'bootstrap,from-browser');
  const listed = await client.apiKeys.list();
  assert.ok(listed.data.some((key) => key.name === 'from-browser'));

  harness.upstream.route('/v1/chat/completions', {
    kind: 'json',
    body: openAIChatCompletion({ content: 'from the browser' }),
  });
  await tab.getByTestId('send').click();
  const [sentId, sentText] = (await text('sent', /\|/)).split('|');
  assert.match(sentId ?? '', /^gen-/);
  assert.equal(sentText, 'from the browser');

  harness.upstream.route('/v1/chat/completions', {
    kind: 'sse',
    events: openAIStreamEvents({ contents: ['str', 'eamed'] }),
  });
  await tab.getByTestId('stream').click();
  const [streamId, streamText] = (await text('streamed', /\|/)).split('|');
  assert.match(streamId ?? '', /^gen-/, 'X-Generation-Id is readable cross-origin');
  assert.equal(streamText, 'streamed');
  assert.deepEqual(pageErrors, []);
});
