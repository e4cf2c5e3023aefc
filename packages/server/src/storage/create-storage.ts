import { createSqliteKysely } from './dialects/sqlite.js';
import { createKyselyStorage, migrateToLatest } from './kysely-storage.js';
import type { Storage } from './storage.js';

/** Where state lives. PostgreSQL comes with the multi-node work. */
export type StorageConfig = { kind: 'sqlite'; path: string };

/** Opens the configured storage and migrates it to the latest schema. */
export async function createStorage(config: StorageConfig): Promise<Storage> {
  const database = createSqliteKysely({ path: config.path });
  await migrateToLatest(database);
  return createKyselyStorage(database, config.kind);
}
