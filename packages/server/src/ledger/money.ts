/**
 * Money is integer pico-USD (1e-12 USD) held in `bigint` from price parsing to storage, and
 * becomes a USD `number` only when written to the wire (see docs/decisions/0002-money.md).
 */
export type Pico = bigint;

const PICO_DIGITS = 12;
const PICO_PER_USD = 10n ** BigInt(PICO_DIGITS);
const DECIMAL = /^(\d+)(?:\.(\d{1,12}))?$/;
const ZERO = 0x30;

/** Parses a plain non-negative USD decimal string (≤ 12 decimals) into pico-USD, exactly. */
export function parseUsd(value: string): Pico {
  const match = DECIMAL.exec(value);
  if (match === null) {
    throw new RangeError(`not a USD decimal with at most ${PICO_DIGITS} decimals: ${value}`);
  }
  const whole = match[1] ?? '0';
  const fraction = (match[2] ?? '').padEnd(PICO_DIGITS, '0');
  return BigInt(whole) * PICO_PER_USD + BigInt(fraction);
}

/** Formats pico-USD as an exact decimal string without trailing zeros, e.g. `"0.0000015"`. */
export function formatUsd(amount: Pico): string {
  // Most of a record's cost components are zero.
  if (amount === 0n) return '0';
  const negative = amount < 0n;
  const magnitude = negative ? -amount : amount;
  const whole = `${negative ? '-' : ''}${magnitude / PICO_PER_USD}`;
  const picos = magnitude % PICO_PER_USD;
  if (picos === 0n) return whole;
  const fraction = picos.toString().padStart(PICO_DIGITS, '0');
  let end = fraction.length;
  while (fraction.charCodeAt(end - 1) === ZERO) end -= 1;
  return `${whole}.${fraction.slice(0, end)}`;
}

/**
 * Converts pico-USD to the USD number sent on the wire: the double nearest the exact amount
 * (exact integer division of a value below 2^53 by 1e12 is correctly rounded by IEEE 754).
 */
export function toUsdNumber(amount: Pico): number {
  return Number(amount) / 1e12;
}

/** Converts a USD number from the wire (≥ −1e9, ≤ 1e9) to pico-USD, rounded to 12 decimals. */
export function usdNumberToPico(value: number): Pico {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite USD amount: ${value}`);
  const magnitude = parseUsd(Math.abs(value).toFixed(12));
  return value < 0 ? -magnitude : magnitude;
}
