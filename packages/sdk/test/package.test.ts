/**
 * `@tollgate/sdk` as people install it: `npm pack` of the SDK and of `@tollgate/protocol` (its
 * types depend on it; both are published), installed offline from the tarballs into a fresh
 * project outside the repository (no workspace links; zod, the protocol's one dependency, is packed
 * from node_modules so no registry is needed), then a consumer script runs against a real gateway
 * in Node, and bundled by esbuild in Chromium, hooks included. Run after `npm run build`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, lstat, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { startTestGateway } from '../../server/test/helpers/start-test-gateway.js';

const run = promisify(execFile);
const CHROMIUM = '/usr/bin/chromium';
const REPO = join(import.meta.dirname, '..', '..', '..');
const CONSUMER = join(import.meta.dirname, 'package-consumer');
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

/** Packs the two packages and zod, and installs the tarballs offline into a fresh project. */
async function installFromTarballs(directory: string): Promise<string> {
  const tarballs = join(directory, 'tarballs');
  await mkdir(tarballs);
  const pack = ['pack', '--ignore-scripts', '--pack-destination', tarballs];
  await run('npm', [...pack, '-w', 'packages/protocol', '-w', 'packages/sdk'], { cwd: REPO });
  await run('npm', [...pack, './node_modules/zod'], { cwd: REPO });
  const files = (await readdir(tarballs)).sort();
  assert.deepEqual(
    files.map((file) => file.replace(/-\d+\.\d+\.\d+\.tgz$/, '')),
    ['tollgate-protocol', 'tollgate-sdk', 'zod'],
  );
  const project = join(directory, 'app');
  await mkdir(project);
  await writeFile(
    join(project, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  );
  // A fresh cache and --offline: everything must come from the tarballs.
  await run(
    'npm',
    [
      'install',
      '--offline',
      '--cache',
      join(directory, 'npm-cache'),
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      ...files.map((file) => join(tarballs, file)),
    ],
    { cwd: project },
  );
  await cp(CONSUMER, project, { recursive: true });
  return project;
}

/** Bundles an entry of the consumer project for the browser; returns the code and its inputs. */
async function bundle(project: string, entry: string) {
  const result = await build({
    absWorkingDir: project,
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    // React and React Query are the app's own dependencies (peers of the SDK): taken from the
    // repository's node_modules; the SDK must still resolve inside the project (checked below).
    nodePaths: [join(REPO, 'node_modules')],
    write: false,
    metafile: true,
    logLevel: 'error',
  });
  const [output] = result.outputFiles;
  assert.ok(output !== undefined);
  return { code: output.text, inputs: Object.keys(result.metafile.inputs) };
}

/** Serves a page with settings and a bundle from its own loopback origin. */
async function servePage(settings: object, code: string) {
  const html = `<!doctype html><html><body><div id="root"></div>
<script>globalThis.TOLLGATE = ${JSON.stringify(settings)};</script>
<script type="module" src="/app.js"></script></body></html>`;
  const server = createServer((request, response) => {
    const isScript = request.url === '/app.js';
    response.writeHead(200, {
      'content-type': isScript ? 'text/javascript' : 'text/html; charset=utf-8',
    });
    response.end(isScript ? code : html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function assertFlowResult(result: Record<string, unknown>): void {
  assert.deepEqual(
    { ...result, generationId: typeof result['generationId'] },
    {
      appId: 'number',
      keyPrefix: 'sk-tg-v1-',
      userId: null,
      generationId: 'string',
      recordMatches: true,
      replay: 'ForbiddenResponseError 403',
    },
  );
}

test('the packed SDK installs offline into a fresh project and works in Node and in Chromium', {
  timeout: 300_000,
}, async (t) => {
  const directory = await mkdtemp(join(tmpdir(), 'tollgate-sdk-package-'));
  t.after(() => rm(directory, { recursive: true, force: true }));
  const project = await installFromTarballs(directory);
  const installed = join(project, 'node_modules', '@tollgate');
  for (const name of ['sdk', 'protocol']) {
    const entry = await lstat(join(installed, name));
    assert.ok(entry.isDirectory() && !entry.isSymbolicLink(), `${name} is a copy, not a link`);
  }
  assert.ok(!existsSync(join(installed, 'sdk', 'src')), 'only dist is published');
  assert.ok(existsSync(join(installed, 'sdk', 'CHANGELOG.md')));

  const gateway = await startTestGateway({ demo: true });
  t.after(() => gateway.close());

  await t.test('a Node script', async () => {
    const { stdout } = await run(process.execPath, ['run-node.js', gateway.apiUrl, gateway.key], {
      cwd: project,
    });
    assertFlowResult(JSON.parse(stdout) as Record<string, unknown>);
  });

  await t.test('its types, from the installed package only', async () => {
    const typescript = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
    await run(process.execPath, [typescript, '-p', 'tsconfig.consumer.json'], { cwd: project });
  });

  await t.test(
    'the same script bundled by esbuild, and the hooks, in Chromium',
    {
      skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed`,
    },
    async () => {
      const flow = await bundle(project, 'run-browser.js');
      const hooks = await bundle(project, 'run-hooks.jsx');
      for (const { inputs } of [flow, hooks]) {
        const sdkInputs = inputs.filter((input) => input.includes('@tollgate/'));
        assert.ok(sdkInputs.length > 0);
        for (const input of sdkInputs) {
          assert.ok(input.startsWith('node_modules/@tollgate/sdk/dist/'), `${input} is installed`);
        }
      }
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      t.after(() => browser.close());
      const tab = await browser.newPage();
      const pageErrors: string[] = [];
      tab.on('pageerror', (error) => pageErrors.push(error.message));

      const flowPage = await servePage(
        { serverURL: gateway.apiUrl, managementKey: gateway.key },
        flow.code,
      );
      t.after(() => flowPage.close());
      await tab.goto(flowPage.url);
      await tab.waitForFunction(() => document.body.dataset['result'] !== undefined);
      const result = await tab.evaluate(() => document.body.dataset['result'] ?? '');
      assertFlowResult(JSON.parse(result) as Record<string, unknown>);

      const verifier = 'v'.repeat(43);
      const created = await fetch(`${gateway.apiUrl}/auth/keys/code`, {
        method: 'POST',
        headers: { authorization: `Bearer ${gateway.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          callback_url: 'http://localhost:3000/callback',
          code_challenge: verifier,
          code_challenge_method: 'plain',
        }),
      });
      const code = ((await created.json()) as { data: { id: string } }).data.id;
      const hooksPage = await servePage(
        { serverURL: gateway.apiUrl, code, codeVerifier: verifier, codeChallengeMethod: 'plain' },
        hooks.code,
      );
      t.after(() => hooksPage.close());
      await tab.goto(hooksPage.url);
      const exchange = tab.getByTestId('exchange');
      await exchange.click();
      await tab.getByTestId('result').filter({ hasText: 'sk-tg-v1-' }).waitFor();
      // The code is used up: a second exchange is refused with the typed error.
      await exchange.click();
      await tab.getByTestId('result').filter({ hasText: 'ForbiddenResponseError 403' }).waitFor();
      assert.deepEqual(pageErrors, []);
    },
  );
});
