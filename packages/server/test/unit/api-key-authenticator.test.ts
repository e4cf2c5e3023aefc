import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  ApiKeyAuthenticator,
  generateKey,
  hashKey,
  KEY_CACHE_TTL_MS,
} from '../../src/accounts/api-keys.js';
import { createStorage } from '../../src/storage/create-storage.js';
import { apiKeyRow } from '../contract/storage-contract.js';

test('a key changed by another node (same database) takes effect once the cached row expires', async (t) => {
  const directory = await mkdtemp(join(tmpdir(), 'tollgate-auth-'));
  // Two storages over one file: this node's and "another node's".
  const here = await createStorage({ kind: 'sqlite', path: join(directory, 'tollgate.db') });
  const there = await createStorage({ kind: 'sqlite', path: join(directory, 'tollgate.db') });
  t.after(async () => {
    await here.close();
    await there.close();
    await rm(directory, { recursive: true, force: true });
  });
  const key = generateKey();
  const hash = hashKey(key);
  await there.apiKeys.insert(apiKeyRow({ hash }));
  let nowMs = 1_800_000_000_000;
  const authenticator = new ApiKeyAuthenticator(here.apiKeys, () => nowMs);
  const bearer = `Bearer ${key}`;

  assert.equal((await authenticator.authenticate(bearer)).key.hash, hash);
  await there.apiKeys.update(hash, { disabled: true });
  nowMs += KEY_CACHE_TTL_MS - 1;
  assert.equal((await authenticator.authenticate(bearer)).key.disabled, false, 'still cached');
  nowMs += 1;
  await assert.rejects(authenticator.authenticate(bearer), /This API key is disabled/);

  await there.apiKeys.delete(hash);
  nowMs += KEY_CACHE_TTL_MS;
  await assert.rejects(authenticator.authenticate(bearer), /Invalid API key/);
});

test('forget drops a cached key at once', async (t) => {
  const directory = await mkdtemp(join(tmpdir(), 'tollgate-auth-'));
  const storage = await createStorage({ kind: 'sqlite', path: join(directory, 'tollgate.db') });
  t.after(async () => {
    await storage.close();
    await rm(directory, { recursive: true, force: true });
  });
  const key = generateKey();
  const hash = hashKey(key);
  await storage.apiKeys.insert(apiKeyRow({ hash }));
  const authenticator = new ApiKeyAuthenticator(storage.apiKeys, () => 0);
  await authenticator.authenticate(`Bearer ${key}`);
  await storage.apiKeys.update(hash, { disabled: true });
  authenticator.forget(hash);
  await assert.rejects(authenticator.authenticate(`Bearer ${key}`), /disabled/);
});

test('a row read while the key changed is not cached: the change takes effect at once', async (t) => {
  const directory = await mkdtemp(join(tmpdir(), 'tollgate-auth-'));
  const storage = await createStorage({ kind: 'sqlite', path: join(directory, 'tollgate.db') });
  t.after(async () => {
    await storage.close();
    await rm(directory, { recursive: true, force: true });
  });
  const key = generateKey();
  const hash = hashKey(key);
  await storage.apiKeys.insert(apiKeyRow({ hash }));
  // A store whose next read is answered only when the test says: the read starts before the key
  // is disabled and returns the row as it was (PostgreSQL: a read racing a PATCH's commit).
  let hold: Promise<void> | null = null;
  const store = {
    ...storage.apiKeys,
    async get(wanted: string) {
      const row = await storage.apiKeys.get(wanted);
      if (hold !== null) await hold;
      return row;
    },
  };
  const authenticator = new ApiKeyAuthenticator(store);
  const bearer = `Bearer ${key}`;
  let release = () => {};
  hold = new Promise<void>((resolve) => {
    release = resolve;
  });
  const racing = authenticator.authenticate(bearer);
  await storage.apiKeys.update(hash, { disabled: true });
  authenticator.forget(hash);
  hold = null;
  release();
  // The request that read the old row is answered with it; the next one is refused at once.
  assert.equal((await racing).key.disabled, false);
  assert.equal(authenticator.cachedCaller(hash), undefined);
  await assert.rejects(authenticator.authenticate(bearer), /This API key is disabled/);
});
