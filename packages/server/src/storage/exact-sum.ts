import { type AliasedRawBuilder, type Expression, sql } from 'kysely';

/** A SUM as a driver returns it (null over no rows). */
export type Sum = bigint | number | string | null;

/**
 * SQLite's `SUM()` of integers fails ("integer overflow") once the total passes 2^63 − 1, which
 * in pico-USD is about $9.2 million: a key's all-time usage or an account's credit could reach it,
 * and every read of it (limits included) would fail. So a sum of pico-USD is taken in two parts,
 * the whole micro-USD (`x / 10^6`) and the rest (`x % 10^6`), each far from overflowing, and put
 * together exactly in JavaScript. Integer division truncates toward zero on SQLite and PostgreSQL
 * alike, so x = (x / 10^6) · 10^6 + x % 10^6 holds for negative amounts too. PostgreSQL's sum of
 * bigint is already exact (numeric); the same SQL serves both.
 */
export function exactSum<Alias extends string>(
  expression: Expression<unknown>,
  alias: Alias,
): [AliasedRawBuilder<Sum, `${Alias}_whole`>, AliasedRawBuilder<Sum, `${Alias}_rest`>] {
  return [
    sql<Sum>`sum(${expression} / 1000000)`.as(`${alias}_whole`),
    sql<Sum>`sum(${expression} % 1000000)`.as(`${alias}_rest`),
  ];
}

/** The exact total of an {@link exactSum} from its row (0 over no rows). */
export function readExactSum(row: Record<string, unknown> | undefined, alias: string): bigint {
  return part(row?.[`${alias}_whole`]) * 1_000_000n + part(row?.[`${alias}_rest`]);
}

function part(value: unknown): bigint {
  if (value === null || value === undefined) return 0n;
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return BigInt(value);
  if (typeof value === 'string') return BigInt(value);
  throw new TypeError(`not a sum: ${String(value)}`);
}
