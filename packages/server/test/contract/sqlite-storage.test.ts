import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStorage } from '../../src/storage/create-storage.js';
import { describeStorageContract } from './storage-contract.js';

describeStorageContract('SQLite', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'tollgate-contract-'));
  const storage = await createStorage({ kind: 'sqlite', path: join(directory, 'tollgate.db') });
  return {
    storage,
    async dispose() {
      await storage.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
});

// In memory, the same prepared write path runs on the only connection instead of the writer thread.
describeStorageContract('SQLite in memory', async () => {
  const storage = await createStorage({ kind: 'sqlite', path: ':memory:' });
  return { storage, dispose: () => storage.close() };
});
