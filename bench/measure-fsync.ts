import { closeSync, fdatasyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { median } from './stats.js';

/** The cost of one durable commit's fsync on this disk, measured in the run. */
export interface FsyncResult {
  /** Median milliseconds of one 4 KiB write + `fdatasync`. */
  medianMs: number;
  samples: number;
  /** Directory the temp file was written in (the data directory of the run). */
  directory: string;
}

/**
 * Times `samples` rounds of a 4 KiB write plus `fdatasync` on a temp file in `directory`: what
 * one commit at durability `power` adds over `process` (a WAL append reaching the disk), so the
 * `power` latency bar (raw proxy + one fsync) is measured on the same disk in the same run.
 */
export function measureFsync(directory: string, samples = 200): FsyncResult {
  const path = join(directory, `fsync-probe-${process.pid}.tmp`);
  const page = Buffer.alloc(4096, 7);
  const descriptor = openSync(path, 'w');
  const times: number[] = [];
  try {
    for (let round = 0; round < samples; round += 1) {
      const started = performance.now();
      writeSync(descriptor, page, 0, page.length, (round % 16) * page.length);
      fdatasyncSync(descriptor);
      times.push(performance.now() - started);
    }
  } finally {
    closeSync(descriptor);
    rmSync(path, { force: true });
  }
  return { medianMs: median(times), samples, directory };
}
