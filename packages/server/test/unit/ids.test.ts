import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createGenerationId, createRequestId, toRecordTimestamp } from '../../src/ledger/ids.js';

// 2026-11-22T03:17:08.123Z
const NOW_MS = Date.UTC(2026, 10, 22, 3, 17, 8, 123);

describe('ids', () => {
  test('creates generation ids as gen-<unix seconds>-<20 alphanumerics>', () => {
    const id = createGenerationId(NOW_MS);
    assert.match(id, /^gen-1795317428-[A-Za-z0-9]{20}$/);
  });

  test('creates request ids as req-<unix seconds>-<20 alphanumerics>', () => {
    const id = createRequestId(NOW_MS);
    assert.match(id, /^req-1795317428-[A-Za-z0-9]{20}$/);
  });

  test('rounds the unix time down to the whole second', () => {
    assert.match(createGenerationId(1_000_999), /^gen-1000-/);
    assert.match(createRequestId(0), /^req-0-/);
  });

  test('starts the 20 alphanumerics with the millisecond, so ids sort in time order', () => {
    assert.match(createGenerationId(NOW_MS), /^gen-1795317428-3f/); // 123 = 3 × 36 + 15
    assert.match(createGenerationId(1_000_000), /^gen-1000-00/);
    assert.match(createGenerationId(1_000_999), /^gen-1000-rr/);
    const ids = Array.from({ length: 3000 }, (_, step) => createGenerationId(NOW_MS + step));
    const byBytes = [...ids].sort((left, right) => (left < right ? -1 : left > right ? 1 : 0));
    assert.deepEqual(byBytes, ids);
    // PostgreSQL's text keys compare under the database's collation, not byte by byte.
    const byLocale = [...ids].sort((left, right) => left.localeCompare(right, 'en'));
    assert.deepEqual(byLocale, ids);
  });

  test('creates a different id every time, drawing on all 62 alphanumerics', () => {
    const ids = new Set<string>();
    const characters = new Set<string>();
    for (let index = 0; index < 2000; index++) {
      const id = createGenerationId(NOW_MS);
      ids.add(id);
      for (const character of id.slice(-18)) characters.add(character);
    }
    assert.equal(ids.size, 2000);
    // 36,000 random draws: the chance that a fair draw misses any one of 62 characters is below 1e-250.
    assert.equal(characters.size, 62);
  });
});

describe('toRecordTimestamp', () => {
  const cases: Array<[number, string]> = [
    [NOW_MS, '2026-11-22T03:17:08.123000+00:00'],
    [0, '1970-01-01T00:00:00.000000+00:00'],
    [Date.UTC(2026, 0, 1, 0, 0, 0, 0), '2026-01-01T00:00:00.000000+00:00'],
    [Date.UTC(2026, 11, 31, 23, 59, 59, 999), '2026-12-31T23:59:59.999000+00:00'],
    [Date.UTC(2026, 5, 1, 12, 0, 0, 7), '2026-06-01T12:00:00.007000+00:00'],
    [Date.UTC(2026, 5, 1, 12, 0, 0, 70), '2026-06-01T12:00:00.070000+00:00'],
    [-1, '1969-12-31T23:59:59.999000+00:00'],
    [Date.UTC(10_000, 0, 1, 0, 0, 0, 5), '+010000-01-01T00:00:00.005000+00:00'],
  ];
  for (const [epochMs, expected] of cases) {
    test(`writes ${epochMs} as ${expected} (microseconds, explicit UTC offset)`, () => {
      assert.equal(toRecordTimestamp(epochMs), expected);
    });
  }
});

test('toRecordTimestamp writes what the ISO string with its `.mmmZ` rewritten reads, at any ms', () => {
  const reference = (epochMs: number) =>
    new Date(epochMs).toISOString().replace(/\.(\d{3})Z$/, '.$1000+00:00');
  for (let epochMs = NOW_MS - 5_000; epochMs < NOW_MS + 5_000; epochMs += 7) {
    assert.equal(toRecordTimestamp(epochMs), reference(epochMs));
  }
});
