// Writer-thread CPU per record: the SQLite batch write through Kysely (what the writer thread ran
// before decision 0027) vs the prepared statements of storage/sqlite-write-batch.ts, interleaved,
// on one file with `synchronous=OFF` so the figures are CPU, not fsync.
//
//   node --import tsx bench/write-path-cost.ts [--batch 64,512] [--rounds 6]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  openSqliteDatabase,
  sqliteKysely,
} from '../packages/server/src/storage/dialects/sqlite.js';
import {
  createKyselyStorage,
  migrateToLatest,
} from '../packages/server/src/storage/kysely-storage.js';
import { createSqliteWriteBatch } from '../packages/server/src/storage/sqlite-write-batch.js';
import type { GenerationRow } from '../packages/server/src/storage/storage.js';
import { benchGenerationRow } from './bench-rows.js';

const { values: args } = parseArgs({
  options: {
    batch: { type: 'string', default: '64,512' },
    rounds: { type: 'string', default: '6' },
  },
});
const RECORD = JSON.stringify({ padding: 'x'.repeat(2300) });
let next = 0;

function row(): GenerationRow {
  const id = `gen-c-${next++}`;
  return benchGenerationRow({
    id,
    keyHash: `key-${next % 100}`,
    createdAt: new Date(Date.UTC(2026, 10, 22) + next * 10).toISOString(),
    externalUser: next % 2 === 0 ? `user-${next % 7}` : null,
    record: RECORD,
  });
}

const directory = await mkdtemp(join(tmpdir(), 'tollgate-write-cost-'));
try {
  const connection = openSqliteDatabase({ path: join(directory, 'tollgate.db') });
  connection.pragma('synchronous = OFF');
  const database = sqliteKysely(connection);
  await migrateToLatest(database);
  const kysely = createKyselyStorage(database, 'sqlite');
  const prepared = createSqliteWriteBatch(connection);
  for (const size of (args.batch ?? '64').split(',').map(Number)) {
    const batches = 20_000 / size;
    for (let round = 0; round < Number(args.rounds); round += 1) {
      let started = performance.now();
      for (let index = 0; index < batches; index += 1) {
        await kysely.generations.insertMany(Array.from({ length: size }, row));
      }
      const before = ((performance.now() - started) * 1000) / 20_000;
      started = performance.now();
      for (let index = 0; index < batches; index += 1) {
        prepared.insertGenerations(Array.from({ length: size }, row));
      }
      const after = ((performance.now() - started) * 1000) / 20_000;
      console.log(
        `batch ${size} round ${round}: Kysely ${before.toFixed(1)} µs/record, prepared ${after.toFixed(1)} µs/record (${(before / after).toFixed(2)}×)`,
      );
    }
  }
  await database.destroy();
} finally {
  await rm(directory, { recursive: true, force: true });
}
