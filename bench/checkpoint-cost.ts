// Cost of the in-flight checkpoints (docs/decisions/0017-checkpoints-and-node-leases.md), measured
// in isolation because the shared dev machine is too loaded for an on/off stream comparison to
// resolve a difference this small:
//   1. the hot path: `InflightJournal.relayed()` per relayed chunk (a map write), ns per call;
//   2. one batched checkpoint write of N open streams through the real storage (SQLite with its
//      writer thread and synchronous=FULL; PostgreSQL with --postgres), ms per write. At the
//      default interval a node makes at most one such write per second.
//
//   node --import tsx bench/checkpoint-cost.ts [--streams 64,1000,10000] [--writes 30]
//        [--postgres URL]
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { StorageConfig } from '../packages/server/src/config/settings.js';
import { parsePricing } from '../packages/server/src/ledger/cost-engine.js';
import {
  InflightJournal,
  type PendingFacts,
  toInflightRow,
} from '../packages/server/src/ledger/inflight-journal.js';
import { createStorage } from '../packages/server/src/storage/create-storage.js';
import type { Storage } from '../packages/server/src/storage/storage.js';

const { values: args } = parseArgs({
  options: {
    streams: { type: 'string', default: '64,1000,10000' },
    writes: { type: 'string', default: '30' },
    postgres: { type: 'string' },
  },
});
const STREAM_COUNTS = (args.streams ?? '64').split(',').map(Number);
const WRITES = Number(args.writes);

/** The pending facts of a typical stream (what the journal row holds). */
function pendingFactsFixture(id: string): PendingFacts {
  return {
    id,
    requestId: `req-1795300000-${id.slice(-20)}`,
    keyHash: 'a'.repeat(64),
    workspaceId: 'default',
    createdAtMs: 1_795_300_000_123,
    model: 'bench/model',
    providerName: 'Bench',
    apiType: 'completions',
    streamed: true,
    byokFeePpm: null,
    normalizedPromptTokens: 40,
    promptEstimated: false,
    numMediaPrompt: 0,
    numPromptImages: 0,
    numInputAudioPrompt: 0,
    httpReferer: null,
    userAgent: 'bench',
    externalUser: null,
    sessionId: null,
    dataRegion: 'global',
    providerResponses: [],
    prices: parsePricing({ prompt: '0.000001', completion: '0.000002' }, []),
    priceVersion: 'config:0123456789ab',
  };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

function hotPath(): string {
  const ids = Array.from(
    { length: 1000 },
    (_, index) => `gen-1795300000-${String(index).padStart(20, 'A')}`,
  );
  // Interval 0 would skip the map entirely; a long interval measures the map write without a write.
  const journal = new InflightJournal(
    { insertMany: async () => undefined } as unknown as Storage['inflight'],
    'bench',
    { checkpointIntervalMs: 3_600_000 },
  );
  for (const id of ids) void journal.open(pendingFactsFixture(id));
  const calls = 5_000_000;
  const runs: number[] = [];
  for (let run = 0; run < 5; run += 1) {
    const start = performance.now();
    for (let call = 0; call < calls; call += 1) journal.relayed(ids[call % 1000] ?? '', call);
    runs.push(((performance.now() - start) * 1e6) / calls);
  }
  void journal.stopCheckpoints();
  return `relayed() per chunk: ${median(runs).toFixed(1)} ns (median of 5 × ${calls.toLocaleString()} calls)`;
}

async function writes(label: string, config: StorageConfig): Promise<string[]> {
  const storage = await createStorage(config);
  const lines: string[] = [];
  try {
    for (const count of STREAM_COUNTS) {
      const rows = Array.from({ length: count }, () =>
        toInflightRow(
          pendingFactsFixture(`gen-1795300000-${randomBytes(10).toString('hex')}`),
          'bench',
        ),
      );
      for (let start = 0; start < rows.length; start += 1000) {
        await storage.inflight.insertMany(rows.slice(start, start + 1000));
      }
      const times: number[] = [];
      for (let write = 0; write < WRITES; write += 1) {
        const checkpoints = rows.map((row, index) => ({
          id: row.id,
          relayedBytes: write * 100 + index,
        }));
        const start = performance.now();
        await storage.inflight.checkpoint(checkpoints);
        times.push(performance.now() - start);
      }
      lines.push(
        `${label}: one checkpoint write of ${count.toLocaleString()} streams: p50 ${median(times).toFixed(2)} ms, max ${Math.max(...times).toFixed(2)} ms (${WRITES} writes)`,
      );
      await storage.inflight.deleteMany(rows.map((row) => row.id));
    }
  } finally {
    await storage.close();
  }
  return lines;
}

console.log(hotPath());
const directory = await mkdtemp(join(tmpdir(), 'tollgate-checkpoint-'));
try {
  for (const line of await writes('SQLite', {
    kind: 'sqlite',
    path: join(directory, 'tollgate.db'),
  })) {
    console.log(line);
  }
} finally {
  await rm(directory, { recursive: true, force: true });
}
if (args.postgres !== undefined) {
  const name = `tg_bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: args.postgres });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  try {
    const url = new URL(args.postgres);
    url.pathname = `/${name}`;
    for (const line of await writes('PostgreSQL', { kind: 'postgres', url: url.toString() })) {
      console.log(line);
    }
  } finally {
    await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
    await admin.end();
  }
}
