import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

interface Started {
  url: string;
  stdout: () => string;
  stderr: () => string;
  /** Resolves once stderr matches `pattern`. */
  waitForStderr: (pattern: RegExp) => Promise<void>;
  /** SIGTERM, then resolves once the process exited and its pipes closed. */
  stop: () => Promise<void>;
}

/** Runs `dist/main.js` on `dataDir` with no TOLLGATE_ADMIN_KEY, capturing stdout and stderr apart. */
async function start(t: TestContext, dataDir: string): Promise<Started> {
  const environment: Record<string, string | undefined> = {
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    TOLLGATE_DATA_DIR: dataDir,
  };
  delete environment['TOLLGATE_ADMIN_KEY'];
  delete environment['TOLLGATE_CONFIG'];
  delete environment['DATABASE_URL'];
  const child = spawn(process.execPath, [MAIN], {
    env: environment,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  t.after(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await exited;
  });
  let stdout = '';
  let stderr = '';
  const watchers: Array<{ pattern: RegExp; resolve: () => void }> = [];
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
    for (const watcher of [...watchers]) {
      if (!watcher.pattern.test(stderr)) continue;
      watchers.splice(watchers.indexOf(watcher), 1);
      watcher.resolve();
    }
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const match = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(stdout);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`gateway exited early (${code}): ${stderr}`)));
  });
  return {
    url,
    stdout: () => stdout,
    stderr: () => stderr,
    waitForStderr: (pattern) =>
      pattern.test(stderr)
        ? Promise.resolve()
        : new Promise<void>((resolve) => watchers.push({ pattern, resolve })),
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

test('the first start prints the management key in a framed block on stderr, a restart does not', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'tollgate-bootstrap-key-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));

  const first = await start(t, dataDir);
  const framed = /^\+-+\+\n(?:\| .* \|\n)+\+-+\+$/m;
  await first.waitForStderr(framed);
  const block = framed.exec(first.stderr());
  assert.ok(block !== null, `no framed block on stderr: ${first.stderr()}`);
  const key = /\| +(sk-tg-v1-\S+) +\|/.exec(block[0])?.[1];
  assert.ok(key !== undefined, block[0]);
  assert.match(block[0], /npm start -- keys create --management/);
  assert.ok(!first.stdout().includes(key), 'the key stays out of the JSON log');
  const keys = await fetch(`${first.url}/api/v1/keys`, {
    headers: { authorization: `Bearer ${key}` },
  });
  assert.equal(keys.status, 200);
  await first.stop();

  const again = await start(t, dataDir);
  await again.stop();
  assert.doesNotMatch(again.stderr(), /sk-tg-v1-/);
});
