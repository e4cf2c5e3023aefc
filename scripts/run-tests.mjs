#!/usr/bin/env node
// Collects every *.test.ts under packages/*/test (Node 20's --test does not expand globs) and runs
// them through tsx, several files at once, each in its own process with node's spec reporter. The
// tests mostly wait on sockets, fsync and child processes, so more files than cores keep both
// cores busy (docs/decisions/0020-fast-start-and-fast-tests.md).
//
//   node scripts/run-tests.mjs [path-substring ...]   only files whose path contains one of them
//   TEST_CONCURRENCY=N                                files at once (default 3 per core)
//
// The slowest files start first, by the durations of the previous run (kept in
// node_modules/.cache/tollgate-test-durations.json; files never timed go first), so no long file
// starts last and runs alone. (`node --test --test-concurrency` would sort the files by name.)
// Each file's output is printed whole when it ends; the run ends with one summary in the spec
// reporter's format (ℹ tests N, ℹ pass N, ℹ fail N, …) and the list of failing files.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const DURATIONS_FILE = resolve('node_modules/.cache/tollgate-test-durations.json');
const COUNTERS = ['tests', 'suites', 'pass', 'fail', 'cancelled', 'skipped', 'todo'];
const SUMMARY_LINE = new RegExp(`^ℹ (${[...COUNTERS, 'duration_ms'].join('|')}) ([\\d.]+)$`);

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
  if (configured === undefined || configured === '') return Math.max(2, availableParallelism() * 3);
  const value = Number(configured);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`TEST_CONCURRENCY must be a positive integer, got "${configured}"`);
    process.exit(2);
  }
  return value;
}

/** Runs one file; resolves with its output (summary lines removed), counts and exit status. */
function runFile(file) {
  return new Promise((resolveRun) => {
    const started = performance.now();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--test-reporter=spec', '--test-reporter-destination=stdout', file],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const chunks = [];
    child.stdout.on('data', (chunk) => chunks.push(chunk));
    child.stderr.on('data', (chunk) => chunks.push(chunk));
    child.on('close', (code, signal) => {
      const counts = Object.fromEntries(COUNTERS.map((name) => [name, 0]));
      let reported = false;
      const kept = [];
      for (const line of Buffer.concat(chunks).toString('utf8').split('\n')) {
        const match = SUMMARY_LINE.exec(line);
        if (match === null) {
          kept.push(line);
          continue;
        }
        reported = true;
        if (match[1] !== 'duration_ms') counts[match[1]] += Number(match[2]);
      }
      const output = kept.join('\n').replace(/\n+$/, '');
      const failed = code !== 0 || counts.fail > 0 || counts.cancelled > 0 || !reported;
      const milliseconds = performance.now() - started;
      resolveRun({ file, output, counts, failed, code, signal, reported, milliseconds });
    });
  });
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
const expected = (file) => durations[resolve(file)] ?? Number.MAX_VALUE;
const queue = files
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
  .sort()
  .sort((left, right) => expected(right) - expected(left));
if (queue.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}

const started = performance.now();
const totals = Object.fromEntries(COUNTERS.map((name) => [name, 0]));
const failedFiles = [];
const measured = {};
async function worker() {
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    const result = await runFile(file);
    measured[resolve(file)] = Math.round(result.milliseconds);
    const mark = result.failed ? '✖' : '✔';
    process.stdout.write(`\n${mark} ${file} (${(result.milliseconds / 1000).toFixed(1)} s)\n`);
    if (result.output !== '') process.stdout.write(`${result.output}\n`);
    for (const name of COUNTERS) totals[name] += result.counts[name];
    if (!result.failed) continue;
    // A file that failed without a failing test (a crash, a non-zero exit) counts as one.
    if (result.counts.fail === 0) {
      totals.tests += 1;
      totals.fail += 1;
    }
    const why = !result.reported
      ? `exited ${result.signal ?? result.code} before reporting`
      : `${result.counts.fail} failed${result.code === 0 ? '' : `, exit ${result.code}`}`;
    failedFiles.push(`${file} (${why})`);
  }
}
// Ctrl-C reaches the whole foreground process group; the files end themselves.
process.on('SIGINT', () => {});
const workers = Math.min(concurrency(), queue.length);
await Promise.all(Array.from({ length: workers }, () => worker()));

process.stdout.write('\n');
for (const name of COUNTERS) process.stdout.write(`ℹ ${name} ${totals[name]}\n`);
process.stdout.write(`ℹ duration_ms ${(performance.now() - started).toFixed(3)}\n`);
if (failedFiles.length > 0) {
  process.stdout.write(
    `\n✖ failing files:\n${failedFiles.map((entry) => `  ${entry}`).join('\n')}\n`,
  );
}
try {
  mkdirSync(dirname(DURATIONS_FILE), { recursive: true });
  const temporary = `${DURATIONS_FILE}.${process.pid}`;
  writeFileSync(temporary, JSON.stringify({ ...durations, ...measured }, null, 1));
  renameSync(temporary, DURATIONS_FILE);
} catch {
  // Durations only order the next run.
}
process.exit(failedFiles.length > 0 ? 1 : 0);
