/**
 * Issue 15, part 5: rotating TOLLGATE_ADMIN_KEY revokes the previous bootstrap key, the last
 * enabled management key can be neither disabled nor deleted (409), and `tollgate keys create
 * --management` mints a working key on the gateway's machine. On SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ErrorEnvelopeSchema } from '@tollgate/protocol';
import { createManagementKey, generateKey, hashKey } from '../../src/accounts/api-keys.js';
import type { StorageConfig } from '../../src/config/settings.js';
import { GatewayError } from '../../src/errors/gateway-error.js';
import { type RunningGateway, startGateway } from '../../src/start-gateway.js';
import { captureLogs } from '../helpers/captured-logs.js';
import { createFreshPostgresDatabase } from '../helpers/fresh-postgres-database.js';
import { scratchDir, startGatewayProcess } from '../helpers/gateway-process.js';
import { startTestGateway } from '../helpers/start-test-gateway.js';

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const run = promisify(execFile);
const BACKENDS = ['sqlite', 'postgres'] as const;

function listKeys(apiUrl: string, key: string): Promise<Response> {
  return fetch(`${apiUrl}/keys`, { headers: { authorization: `Bearer ${key}` } });
}

function patchKey(apiUrl: string, key: string, hash: string, body: unknown): Promise<Response> {
  return fetch(`${apiUrl}/keys/${hash}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

function deleteKey(apiUrl: string, key: string, hash: string): Promise<Response> {
  return fetch(`${apiUrl}/keys/${hash}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${key}` },
  });
}

async function assertEnvelope(response: Response, status: number, pattern: RegExp) {
  assert.equal(response.status, status);
  const envelope = ErrorEnvelopeSchema.parse(await response.json());
  assert.equal(envelope.error.code, status);
  assert.match(envelope.error.message, pattern);
}

/** Storage that survives gateway restarts: a SQLite directory or a fresh PostgreSQL database. */
async function persistentStorage(backend: (typeof BACKENDS)[number]) {
  if (backend === 'postgres') {
    const database = await createFreshPostgresDatabase();
    const storage: StorageConfig = { kind: 'postgres', url: database.url };
    return { storage, dispose: () => database.drop() };
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'tollgate-keys-'));
  const storage: StorageConfig = { kind: 'sqlite', path: join(dataDir, 'tollgate.db') };
  return { storage, dispose: () => rm(dataDir, { recursive: true, force: true }) };
}

for (const backend of BACKENDS) {
  describe(`management keys on ${backend}`, () => {
    test('a restart with a new TOLLGATE_ADMIN_KEY revokes the previous bootstrap key, logged without its secret', async () => {
      const { storage, dispose } = await persistentStorage(backend);
      const { logger, lines } = captureLogs('info', { redact: false });
      const start = (adminKey: string): Promise<RunningGateway> =>
        startGateway({ port: 0, host: '127.0.0.1', storage, adminKey, countTokens: false, logger });
      const oldKey = generateKey();
      const newKey = generateKey();
      try {
        const first = await start(oldKey);
        assert.equal((await listKeys(`${first.url}/api/v1`, oldKey)).status, 200);
        await first.close();

        const second = await start(newKey);
        try {
          const apiUrl = `${second.url}/api/v1`;
          await assertEnvelope(await listKeys(apiUrl, oldKey), 401, /Invalid API key/);
          const listed = await listKeys(apiUrl, newKey);
          assert.equal(listed.status, 200);
          const { data } = (await listed.json()) as { data: Array<{ hash: string }> };
          assert.deepEqual(
            data.map((key) => key.hash),
            [hashKey(newKey)],
          );
          const revoked = lines.filter((line) => line.includes('revoked the previous bootstrap'));
          assert.equal(revoked.length, 1);
          assert.match(revoked[0] ?? '', new RegExp(hashKey(oldKey)));
          assert.ok(!lines.join('').includes(oldKey), 'the old secret is never logged');
          assert.ok(!lines.join('').includes(newKey), 'the new secret is never logged');
          // Disabled through the API (another management key exists)...
          const other = createManagementKey('other', new Date().toISOString());
          await second.context.storage.apiKeys.insert(other.row);
          const disabled = await patchKey(apiUrl, other.key, hashKey(newKey), { disabled: true });
          assert.equal(disabled.status, 200);
          await assertEnvelope(await listKeys(apiUrl, newKey), 401, /disabled/);
        } finally {
          await second.close();
        }

        // ...the variable brings it back: the same value again enables it, revokes nothing more.
        const third = await start(newKey);
        try {
          assert.equal((await listKeys(`${third.url}/api/v1`, newKey)).status, 200);
          assert.equal(
            lines.filter((line) => line.includes('revoked the previous bootstrap')).length,
            1,
          );
        } finally {
          await third.close();
        }
      } finally {
        await dispose();
      }
    });

    test('the last enabled management key can be neither disabled nor deleted (409); with another one it can', async () => {
      const harness = await startTestGateway({ storage: backend, countTokens: false });
      try {
        const { apiUrl, key: first } = harness;
        const firstHash = hashKey(first);
        const keys = harness.gateway.context.storage.apiKeys;

        await assertEnvelope(
          await patchKey(apiUrl, first, firstHash, { disabled: true }),
          409,
          /last enabled management key/,
        );
        assert.equal((await listKeys(apiUrl, first)).status, 200, 'still enabled');

        const minted = createManagementKey('second', new Date().toISOString());
        await keys.insert(minted.row);
        const second = minted.key;
        const secondHash = minted.row.hash;

        // Disabling the other one is fine while this one stays enabled...
        assert.equal((await patchKey(apiUrl, first, secondHash, { disabled: true })).status, 200);
        // ...and then this one is the last.
        await assertEnvelope(
          await patchKey(apiUrl, first, firstHash, { disabled: true }),
          409,
          /last enabled management key/,
        );
        await assert.rejects(
          keys.delete(firstHash),
          (error: unknown) => GatewayError.is(error) && error.status === 409,
        );
        assert.ok((await keys.get(firstHash)) !== undefined, 'nothing deleted');

        // With the other one enabled again, a key may disable itself...
        assert.equal((await patchKey(apiUrl, first, secondHash, { disabled: false })).status, 200);
        assert.equal((await patchKey(apiUrl, first, firstHash, { disabled: true })).status, 200);
        await assertEnvelope(await listKeys(apiUrl, first), 401, /disabled/);
        // ...and the remaining one cannot be deleted, but the disabled one can.
        await assert.rejects(
          keys.delete(secondHash),
          (error: unknown) => GatewayError.is(error) && error.status === 409,
        );
        assert.equal((await deleteKey(apiUrl, second, firstHash)).status, 200);
        // Inference keys are not concerned.
        const created = await fetch(`${apiUrl}/keys`, {
          method: 'POST',
          headers: { authorization: `Bearer ${second}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'inference' }),
        });
        const { data } = (await created.json()) as { data: { hash: string } };
        assert.equal((await patchKey(apiUrl, second, data.hash, { disabled: true })).status, 200);
        assert.equal((await deleteKey(apiUrl, second, data.hash)).status, 200);
      } finally {
        await harness.close();
      }
    });
  });
}

describe('tollgate keys create --management', () => {
  test('mints a management key that a gateway on the same data directory accepts', async (t) => {
    const dataDir = await scratchDir(t, 'tollgate-cli-');
    // No inherited DATABASE_URL: the CLI and the gateway share this SQLite directory.
    const env = { ...process.env, TOLLGATE_DATA_DIR: dataDir, DATABASE_URL: '' };
    const { stdout } = await run(
      process.execPath,
      [MAIN, 'keys', 'create', '--management', '--name', 'ops'],
      { env },
    );
    const key = /(sk-tg-v1-[0-9a-f]{64})/.exec(stdout)?.[1];
    assert.ok(key !== undefined, stdout);
    assert.match(stdout, new RegExp(hashKey(key)));

    // No TOLLGATE_ADMIN_KEY: the minted key is an enabled management key, so none is generated
    // (the list holds the minted key alone).
    const gateway = await startGatewayProcess(t, { TOLLGATE_DATA_DIR: dataDir, DATABASE_URL: '' });
    const listed = await listKeys(gateway.apiUrl, key);
    assert.equal(listed.status, 200);
    const { data } = (await listed.json()) as { data: Array<{ name: string }> };
    assert.deepEqual(
      data.map((row) => row.name),
      ['ops'],
    );
    await gateway.kill('SIGTERM');
  });

  test('refuses keys create without --management (exit 2, nothing created)', async (t) => {
    const dataDir = await scratchDir(t, 'tollgate-cli-');
    await assert.rejects(
      run(process.execPath, [MAIN, 'keys', 'create'], {
        env: { ...process.env, TOLLGATE_DATA_DIR: dataDir, DATABASE_URL: '' },
      }),
      (error: { code?: number; stdout?: string }) =>
        error.code === 2 && /needs --management/.test(error.stdout ?? ''),
    );
  });
});
