import { createStorage } from '../../src/storage/create-storage.js';
import { createFreshPostgresDatabase } from '../helpers/fresh-postgres-database.js';
import { describeStorageContract } from './storage-contract.js';

describeStorageContract('PostgreSQL', async () => {
  const database = await createFreshPostgresDatabase();
  const storage = await createStorage({ kind: 'postgres', url: database.url });
  return {
    storage,
    async dispose() {
      await storage.close();
      await database.drop();
    },
  };
});
