import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { ERROR_STATUS } from '../../src/errors/error-codes.js';

test('docs/reference/errors.md has exactly one row per error kind, with its status', async () => {
  const page = await readFile(
    new URL('../../../../docs/reference/errors.md', import.meta.url),
    'utf8',
  );
  const rows = new Map<string, number>();
  for (const match of page.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \|/gm)) {
    assert.equal(rows.has(match[1] as string), false, `${match[1]} is listed twice`);
    rows.set(match[1] as string, Number(match[2]));
  }
  assert.deepEqual(
    Object.fromEntries([...rows].sort()),
    Object.fromEntries(Object.entries(ERROR_STATUS).sort()),
  );
});
