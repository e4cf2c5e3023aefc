import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatUsd, parseUsd, toUsdNumber } from '../../src/ledger/money.js';

// mulberry32: a tiny seeded PRNG, so every run checks the same values.
function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return (value ^ (value >>> 14)) >>> 0;
  };
}

/** A non-negative bigint of a random bit length in [0, maxBits], so every magnitude is covered. */
function randomBigint(next: () => number, maxBits: number): bigint {
  const bits = next() % (maxBits + 1);
  let value = 0n;
  for (let filled = 0; filled < bits; filled += 32) value = (value << 32n) | BigInt(next());
  return bits === 0 ? 0n : value & ((1n << BigInt(bits)) - 1n);
}

const TWO_TO_53 = 2n ** 53n;

describe('parseUsd', () => {
  const exact: Array<[string, bigint]> = [
    ['0.000001', 1_000_000n],
    ['1', 1_000_000_000_000n],
    ['0.123456789012', 123_456_789_012n],
    ['0', 0n],
    ['0.000000000001', 1n],
    ['12.5', 12_500_000_000_000n],
    ['0.10', 100_000_000_000n],
    ['007.5', 7_500_000_000_000n],
    ['123456789012345678901234567890', 123456789012345678901234567890n * 10n ** 12n],
  ];
  for (const [input, expected] of exact) {
    test(`parses "${input}" to exactly ${expected} pico-USD`, () => {
      assert.equal(parseUsd(input), expected);
    });
  }

  const rejected: Array<[string, string]> = [
    ['0.0000000000001', '13 decimals'],
    ['1.0000000000000', '13 decimals, all zero'],
    ['-1', 'a negative whole number'],
    ['-0.000001', 'a negative fraction'],
    ['1e-6', 'an exponent'],
    ['1E3', 'an upper-case exponent'],
    ['', 'the empty string'],
    [' 1', 'leading whitespace'],
    ['1 ', 'trailing whitespace'],
    ['1.', 'a trailing dot'],
    ['.5', 'a leading dot'],
    ['+1', 'a plus sign'],
    ['0x10', 'hexadecimal'],
    ['1,5', 'a decimal comma'],
    ['Infinity', 'Infinity'],
    ['NaN', 'NaN'],
  ];
  for (const [input, reason] of rejected) {
    test(`rejects ${reason} ("${input}") with a RangeError`, () => {
      assert.throws(() => parseUsd(input), RangeError);
    });
  }
});

describe('formatUsd', () => {
  const formatted: Array<[bigint, string]> = [
    [0n, '0'],
    [1n, '0.000000000001'],
    [1_500_000n, '0.0000015'],
    [1_000_000_000_000n, '1'],
    [123_456_789_012n, '0.123456789012'],
    [10_000_000_000_000n, '10'],
    [12_340_000_000_000n, '12.34'],
    [-1_500_000n, '-0.0000015'],
    [-2_000_000_000_000n, '-2'],
    [-1n, '-0.000000000001'],
    [100_000_000_000n, '0.1'],
    [1_000_000_000_001n, '1.000000000001'],
    [1_010_000_000_000n, '1.01'],
    [-120_000_000_000_000n, '-120'],
    [10n ** 30n, '1000000000000000000'],
  ];
  for (const [amount, expected] of formatted) {
    test(`formats ${amount} pico-USD as "${expected}" without trailing zeros`, () => {
      assert.equal(formatUsd(amount), expected);
    });
  }

  test('round-trips through parseUsd for thousands of random non-negative amounts', () => {
    const next = createRandom(0x70_11_6a_7e);
    for (let index = 0; index < 5000; index++) {
      const amount = randomBigint(next, 128);
      assert.equal(parseUsd(formatUsd(amount)), amount, `amount ${amount}`);
    }
  });

  test('writes what a regex trim of the zero-padded fraction writes, for random amounts', () => {
    // The straightforward formulation, kept as the reference for the hand-trimmed one.
    const reference = (amount: bigint): string => {
      const magnitude = amount < 0n ? -amount : amount;
      const fraction = (magnitude % 10n ** 12n).toString().padStart(12, '0').replace(/0+$/, '');
      return `${amount < 0n ? '-' : ''}${magnitude / 10n ** 12n}${fraction === '' ? '' : `.${fraction}`}`;
    };
    const next = createRandom(0x5eed);
    for (let index = 0; index < 5000; index++) {
      // Rounded to a random power of ten too, so fractions with trailing zeros are common.
      const amount = randomBigint(next, 96) * 10n ** BigInt(next() % 14);
      for (const signed of [amount, -amount]) {
        assert.equal(formatUsd(signed), reference(signed), `amount ${signed}`);
      }
    }
  });

  test('formats a negative amount as "-" followed by the formatted magnitude', () => {
    const next = createRandom(42);
    for (let index = 0; index < 2000; index++) {
      const magnitude = randomBigint(next, 96) + 1n;
      const text = formatUsd(-magnitude);
      assert.equal(text, `-${formatUsd(magnitude)}`);
      assert.equal(parseUsd(text.slice(1)), magnitude);
    }
  });
});

describe('toUsdNumber', () => {
  test('equals the correctly rounded double of the exact decimal for random amounts below 2^53', () => {
    const next = createRandom(2026);
    for (let index = 0; index < 5000; index++) {
      const amount = randomBigint(next, 53);
      assert.equal(toUsdNumber(amount), Number(formatUsd(amount)), `amount ${amount}`);
      assert.equal(toUsdNumber(-amount), Number(formatUsd(-amount)), `amount -${amount}`);
    }
  });

  test('equals the correctly rounded double at the edges of the exact range', () => {
    const edges = [0n, 1n, 999_999n, 1_000_000n, 10n ** 12n - 1n, 10n ** 12n, TWO_TO_53 - 1n];
    for (const amount of edges) {
      assert.equal(toUsdNumber(amount), Number(formatUsd(amount)), `amount ${amount}`);
    }
  });

  test('converts typical per-token prices to the doubles written in the price list', () => {
    assert.equal(toUsdNumber(parseUsd('0.000001')), 0.000001);
    assert.equal(toUsdNumber(parseUsd('0.0000003')), 0.0000003);
    assert.equal(toUsdNumber(parseUsd('0.00000375')), 0.00000375);
    assert.equal(toUsdNumber(parseUsd('0.010035')), 0.010035);
  });
});
