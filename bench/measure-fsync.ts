import { closeSync, fdatasyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { median } from './stats.js';

/** The cost of one durable commit's fsync on this disk, measured in the run. */
export interface FsyncResult {
  /** Median milliseconds of one appended 4 KiB write + `fdatasync`. */
  medianMs: number;
  samples: number;
  /** Directory the temp file was written in (the data directory of the run). */
  directory: string;
}

/**
 * Times `samples` rounds of a 4 KiB write appended to a temp file in `directory` plus `fdatasync`:
 * what one commit at durability `power` adds over `process` (SQLite's WAL grows by appends between
 * checkpoints and is synced at each commit), so the `power` latency bar (raw proxy + one fsync) is
 * measured on the same disk in the same run. Appends, not overwrites: an overwrite needs no
 * metadata flush and came out up to twice as cheap here, below what a commit pays.
 */
export function measureFsync(directory: string, samples = 200): FsyncResult {
  const path = join(directory, `fsync-probe-${process.pid}.tmp`);
  const page = Buffer.alloc(4096, 7);
  const descriptor = openSync(path, 'w');
  const times: number[] = [];
  try {
    for (let round = 0; round < samples; round += 1) {
      const started = performance.now();
      writeSync(descriptor, page, 0, page.length, round * page.length);
      fdatasyncSync(descriptor);
      times.push(performance.now() - started);
    }
  } finally {
    closeSync(descriptor);
    rmSync(path, { force: true });
  }
  return { medianMs: median(times), samples, directory };
}
