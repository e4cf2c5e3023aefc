import { createHash } from 'node:crypto';
import SqliteDatabase from 'better-sqlite3';

/** Rows inserted per transaction while filling. */
const BATCH = 50_000;
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** The id of fill row `index`: Tollgate's form `gen-<unix seconds>-<20 alphanumerics>`, unique. */
export function fillId(index: number, baseSeconds: number): string {
  const digest = createHash('sha1').update(`fill-${index}`).digest();
  let suffix = '';
  for (let byte = 0; byte < 20; byte += 1) {
    suffix += ALPHANUMERIC[(digest[byte] ?? 0) % ALPHANUMERIC.length];
  }
  return `gen-${baseSeconds + Math.floor(index / 1000)}-${suffix}`;
}

/** What {@link fillGenerations} did. */
export interface FillResult {
  /** Rows in `generations` afterwards. */
  rows: number;
  seconds: number;
  /** Ids of `sampleSize` fill rows spread over the whole table (for lookups). */
  sampleIds: string[];
  /** Bytes of the stored record each row carries (the real record's size). */
  recordBytes: number;
}

interface TemplateRow {
  id: string;
  key_hash: string;
  request_id: string;
  created_at: string;
  model: string;
  provider_name: string | null;
  api_type: string | null;
  is_byok: number;
  cancelled: number;
  usage_pico: number | bigint;
  total_cost_pico: number | bigint;
  upstream_cost_pico: number | bigint | null;
  record_version: number;
  record: string;
}

/**
 * Bulk-inserts `count` generations into Tollgate's SQLite file at `path` (Tollgate stopped; its
 * migrations already ran), each a copy of a real record the gateway stored in this run (the
 * newest row) under a new id (everywhere the record holds it), request id and creation time, so that lookups read rows of the real
 * shape and size from a table of realistic depth. One prepared INSERT in transactions of 50,000
 * rows, without a journal or fsync for the fill only; WAL mode is set back at the end (Tollgate
 * reopens with its own settings).
 */
export function fillGenerations(path: string, count: number, sampleSize: number): FillResult {
  const started = performance.now();
  const database = new SqliteDatabase(path);
  try {
    // For the fill only: no journal (each page written once), no fsync, a big page cache.
    database.pragma('journal_mode = DELETE');
    database.pragma('journal_mode = OFF');
    database.pragma('synchronous = OFF');
    database.pragma('cache_size = -262144');
    database.defaultSafeIntegers(true);
    const template = database
      .prepare('SELECT * FROM generations ORDER BY created_at DESC LIMIT 1')
      .get() as TemplateRow | undefined;
    if (template === undefined) throw new Error(`${path}: no generation to copy`);
    const parts = template.record.split(template.id);
    const baseMs = Date.parse(template.created_at) - count * 10;
    const baseSeconds = Math.floor(baseMs / 1000);
    const insert = database.prepare(
      `INSERT INTO generations (id, key_hash, request_id, created_at, model, provider_name,
         api_type, is_byok, cancelled, usage_pico, total_cost_pico, upstream_cost_pico,
         record_version, record)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const fill = database.transaction((from: number, to: number) => {
      for (let index = from; index < to; index += 1) {
        const id = fillId(index, baseSeconds);
        insert.run(
          id,
          template.key_hash,
          `req-fill-${index}`,
          new Date(baseMs + index * 10).toISOString(),
          template.model,
          template.provider_name,
          template.api_type,
          template.is_byok,
          template.cancelled,
          template.usage_pico,
          template.total_cost_pico,
          template.upstream_cost_pico,
          template.record_version,
          parts.join(id),
        );
      }
    });
    for (let from = 0; from < count; from += BATCH) fill(from, Math.min(count, from + BATCH));
    database.pragma('journal_mode = WAL');
    const rows = Number(
      (database.prepare('SELECT count(*) AS n FROM generations').get() as { n: bigint }).n,
    );
    const sampleIds = Array.from({ length: Math.min(sampleSize, count) }, (_, sample) =>
      fillId(Math.floor(((sample + 0.5) * count) / sampleSize), baseSeconds),
    );
    return {
      rows,
      seconds: (performance.now() - started) / 1000,
      sampleIds,
      recordBytes: Buffer.byteLength(template.record),
    };
  } finally {
    database.close();
  }
}
