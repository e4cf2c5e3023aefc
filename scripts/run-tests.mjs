#!/usr/bin/env node
// Collects every *.test.ts under packages/*/test (Node 20's --test does not expand globs) and runs
// them with node's test runner through tsx, several files at once: each file is its own process
// (node's runner isolates files), and the tests mostly wait on sockets, fsync and child
// processes, so more files than cores keep both cores busy (docs/decisions/0020-test-runner.md).
// Extra arguments filter files by substring. TEST_CONCURRENCY overrides how many files run at once.
//
// The slowest files start first (durations of the previous run, kept in
// node_modules/.cache/tollgate-test-durations.json; files never timed go first of all), so no long
// file starts last and runs alone. Node's spec reporter prints the results and one summary for
// the whole run (ℹ tests N, ℹ pass N, ℹ fail N).
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';

const DURATIONS_FILE = resolve('node_modules/.cache/tollgate-test-durations.json');
const DURATIONS_REPORTER = resolve('scripts/test-durations-reporter.mjs');

function collect(directory, found) {
  for (const name of readdirSync(directory)) {
    const path = join(directory, name);
    if (name === 'node_modules' || name === 'dist') continue;
    if (statSync(path).isDirectory()) collect(path, found);
    else if (name.endsWith('.test.ts')) found.push(path);
  }
  return found;
}

function readDurations() {
  try {
    const parsed = JSON.parse(readFileSync(DURATIONS_FILE, 'utf8'));
    return typeof parsed === 'object' && parsed !== null ? parsed : {};
  } catch {
    return {};
  }
}

function concurrency() {
  const configured = process.env.TEST_CONCURRENCY;
  if (configured !== undefined && configured !== '') {
    const value = Number(configured);
    if (!Number.isInteger(value) || value < 1) {
      console.error(`TEST_CONCURRENCY must be a positive integer, got "${configured}"`);
      process.exit(2);
    }
    return value;
  }
  // Measured on 2 cores (decision 0020): 3 files per core; beyond that, CPU is the limit.
  return Math.max(2, availableParallelism() * 3);
}

const filters = process.argv.slice(2);
const files = [];
for (const pkg of readdirSync('packages')) {
  const testDirectory = join('packages', pkg, 'test');
  try {
    if (statSync(testDirectory).isDirectory()) collect(testDirectory, files);
  } catch {
    // a package without tests
  }
}
const durations = readDurations();
const expected = (file) => durations[resolve(file)] ?? Number.POSITIVE_INFINITY;
const selected = files
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
  .sort()
  .sort((left, right) => expected(right) - expected(left));
if (selected.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}

mkdirSync(join(DURATIONS_FILE, '..'), { recursive: true });
const measured = `${DURATIONS_FILE}.${process.pid}`;
const child = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${Math.min(concurrency(), selected.length)}`,
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    `--test-reporter=${DURATIONS_REPORTER}`,
    `--test-reporter-destination=${measured}`,
    ...selected,
  ],
  { stdio: 'inherit' },
);
// Ctrl-C reaches the whole foreground process group; wait for node's runner to wind down.
process.on('SIGINT', () => {});
child.on('exit', (code, signal) => {
  try {
    const merged = { ...durations, ...JSON.parse(readFileSync(measured, 'utf8')) };
    writeFileSync(measured, JSON.stringify(merged, null, 1));
    renameSync(measured, DURATIONS_FILE);
  } catch {
    // No durations this time (the run was cut short): keep the previous ones.
  }
  process.exit(code ?? (signal === null ? 1 : 128));
});
