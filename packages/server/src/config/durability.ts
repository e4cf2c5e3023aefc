/**
 * What a committed record survives (docs/decisions/0023-durability-levels.md): `power` — a crash
 * of the gateway process and a power loss of its machine (one fsync per commit); `process` — a
 * crash or kill -9 of the gateway process, not a power loss (no fsync on the commit path).
 */
export const DURABILITY_LEVELS = ['power', 'process'] as const;

/** One of {@link DURABILITY_LEVELS}. */
export type Durability = (typeof DURABILITY_LEVELS)[number];
