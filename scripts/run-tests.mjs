#!/usr/bin/env node
// Collects every *.test.ts under packages/*/test (Node 20's --test does not expand globs) and
// runs them with node's test runner through tsx. Extra arguments filter files by substring.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function collect(directory, found) {
  for (const name of readdirSync(directory)) {
    const path = join(directory, name);
    if (name === 'node_modules' || name === 'dist') continue;
    if (statSync(path).isDirectory()) collect(path, found);
    else if (name.endsWith('.test.ts')) found.push(path);
  }
  return found;
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
const selected = files
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
  .sort();
if (selected.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', ...selected],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
