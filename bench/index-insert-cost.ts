// What `generations_key_model_created` (migration 0010, decision 0024) costs each insert: fills
// fresh SQLite stores with N records through the real insert path (records + rollups, batches of
// 2,000), alternately with the index and with it dropped, twice each, and prints records/s.
//
//   node --import tsx bench/index-insert-cost.ts [--rows N]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import SqliteDatabase from 'better-sqlite3';
import { toRecordTimestamp } from '../packages/server/src/ledger/ids.js';
import { createStorage } from '../packages/server/src/storage/create-storage.js';
import type { GenerationRow } from '../packages/server/src/storage/storage.js';

const { values: args } = parseArgs({ options: { rows: { type: 'string', default: '200000' } } });
const ROWS = Number(args.rows);
const KEYS = Array.from({ length: 50 }, (_, index) => index.toString(16).padStart(64, '0'));
const MODELS = Array.from({ length: 20 }, (_, index) => `vendor-${index % 5}/model-${index}`);
const PADDING = 'x'.repeat(1500);

function row(index: number): GenerationRow {
  const id = `gen-${1_790_000_000 + index}-${index.toString(36).padStart(20, '0')}`;
  const createdAt = toRecordTimestamp(Date.UTC(2026, 11, 7) - (ROWS - index) * 1_000);
  const model = MODELS[index % MODELS.length] ?? '';
  return {
    id,
    keyHash: KEYS[index % KEYS.length] ?? '',
    requestId: `req-${id}`,
    createdAt,
    model,
    providerName: 'Acme',
    apiType: 'completions',
    isByok: false,
    cancelled: false,
    usagePico: 1_000n,
    totalCostPico: 1_000n,
    upstreamCostPico: 1_000n,
    recordVersion: 1,
    endpointId: `Acme/${model}`,
    externalUser: null,
    sessionId: null,
    outcome: 'ok',
    promptTokens: 1,
    completionTokens: 1,
    reasoningTokens: 0,
    content: null,
    record: JSON.stringify({ id, created_at: createdAt, model, padding: PADDING }),
  };
}

for (const run of [1, 2]) {
  for (const withIndex of [true, false]) {
    const dir = await mkdtemp(join(tmpdir(), 'tollgate-index-cost-'));
    const path = join(dir, 'tollgate.db');
    try {
      await (await createStorage({ kind: 'sqlite', path })).close();
      if (!withIndex) {
        const raw = new SqliteDatabase(path);
        raw.exec('DROP INDEX generations_key_model_created');
        raw.close();
      }
      const storage = await createStorage({ kind: 'sqlite', path });
      const started = performance.now();
      for (let start = 0; start < ROWS; start += 2_000) {
        const rows: GenerationRow[] = [];
        for (let index = start; index < Math.min(ROWS, start + 2_000); index += 1) {
          rows.push(row(index));
        }
        await storage.generations.insertMany(rows);
      }
      const seconds = (performance.now() - started) / 1000;
      await storage.close();
      console.log(
        `run ${run}, ${withIndex ? 'with' : 'without'} the index: ${Math.round(ROWS / seconds).toLocaleString('en-US')} records/s`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
