import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Where PostgreSQL tests connect to create their databases (any database of the server). */
export const TEST_DATABASE_URL =
  process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A uniquely named, empty PostgreSQL database; `drop()` removes it (closing its connections). */
export interface FreshPostgresDatabase {
  /** Connection URL of the new database. */
  url: string;
  name: string;
  drop(): Promise<void>;
}

async function administer(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `cannot reach PostgreSQL at TEST_DATABASE_URL (${new URL(TEST_DATABASE_URL).host}); ` +
        'start it or point TEST_DATABASE_URL at one',
      { cause: error },
    );
  }
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/**
 * Creates `tg_<random>` on the server of {@link TEST_DATABASE_URL}, so tests running at the same
 * time (other files, other checkouts) never share state.
 */
export async function createFreshPostgresDatabase(): Promise<FreshPostgresDatabase> {
  const name = `tg_${randomBytes(8).toString('hex')}`;
  await administer(`CREATE DATABASE ${name}`);
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => administer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}
