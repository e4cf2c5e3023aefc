import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generateKey } from '../../src/accounts/api-keys.js';
import { startFakeUpstream } from '../helpers/fake-upstream.js';
import { getGeneration, postJson, readSse } from '../helpers/http.js';
import { openAIStreamEvents } from '../helpers/openai-fixtures.js';
import { defaultTestConfig } from '../helpers/start-test-gateway.js';

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

test('SIGTERM lets an in-flight stream finish, commits its record, and exits 0', async (t) => {
  const upstream = await startFakeUpstream();
  const dataDir = await mkdtemp(join(tmpdir(), 'tollgate-sigterm-'));
  t.after(async () => {
    await upstream.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  const configPath = join(dataDir, 'config.json');
  await writeFile(configPath, JSON.stringify(defaultTestConfig(upstream.url)));
  const key = generateKey();
  const child = spawn(process.execPath, [MAIN], {
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      TOLLGATE_DATA_DIR: dataDir,
      TOLLGATE_CONFIG: configPath,
      TOLLGATE_ADMIN_KEY: key,
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(output);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`gateway exited early (${code}): ${output}`)));
  });
  const apiUrl = `${url}/api/v1`;

  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let arrived: () => void = () => undefined;
  const upstreamReached = new Promise<void>((resolve) => {
    arrived = resolve;
  });
  upstream.route('/v1/chat/completions', () => {
    arrived();
    return {
      kind: 'sse',
      events: openAIStreamEvents({ contents: ['still', ' going'] }),
      gate,
      gateAfter: 2,
    };
  });
  const streaming = postJson(apiUrl, '/chat/completions', key, {
    model: 'test/model',
    messages: [{ role: 'user', content: 'drain me' }],
    stream: true,
  });
  await upstreamReached;
  child.kill('SIGTERM');
  // The stream was admitted before the signal; let it finish now.
  release();
  const response = await streaming;
  const id = response.headers.get('x-generation-id') ?? '';
  const sse = await readSse(response);
  assert.equal(sse.done, true, 'the in-flight stream ends normally with [DONE]');
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0);

  // Restart on the same data: the record is there, complete.
  const again = spawn(process.execPath, [MAIN], {
    env: {
      ...process.env,
      PORT: '0',
      TOLLGATE_DATA_DIR: dataDir,
      TOLLGATE_CONFIG: configPath,
      TOLLGATE_ADMIN_KEY: key,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.after(() => {
    if (again.exitCode === null) again.kill('SIGKILL');
  });
  let againOutput = '';
  const againUrl = await new Promise<string>((resolve) => {
    again.stdout?.on('data', (chunk: Buffer) => {
      againOutput += chunk.toString('utf8');
      const match = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(againOutput);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
  });
  const lookup = await getGeneration(`${againUrl}/api/v1`, key, id);
  assert.equal(lookup.status, 200);
  const record = ((await lookup.json()) as { data: { streamed: boolean; cancelled: boolean } })
    .data;
  assert.equal(record.streamed, true);
  assert.equal(record.cancelled, false);
  again.kill('SIGTERM');
  assert.deepEqual(await once(again, 'exit'), [0, null]);
});
