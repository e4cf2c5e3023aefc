import pg from 'pg';

/** The tables whose commits {@link installCommitProbe} watches. */
export const PROBED_TABLES = [
  'generations',
  'inflight_generations',
  'usage_by_model',
  'api_keys',
] as const;

/** A watched table, and the `synchronous_commit` values its writes committed with. */
export type CommitSettings = Partial<Record<(typeof PROBED_TABLES)[number], string[]>>;

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Adds to the (migrated) database at `url` a deferred constraint trigger on each of
 * {@link PROBED_TABLES} that notes `current_setting('synchronous_commit')` in `commit_settings`.
 * Deferred, it runs while the transaction commits, just before PostgreSQL writes the commit record,
 * whose flush that very setting decides: what it notes is what the commit ran with, however the
 * setting was made (startup option, `SET`, `SET LOCAL`, role default).
 */
export function installCommitProbe(url: string): Promise<void> {
  return withClient(url, async (client) => {
    await client.query(`
      CREATE TABLE commit_settings (table_name text NOT NULL, synchronous_commit text NOT NULL);
      CREATE FUNCTION note_commit_setting() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO commit_settings VALUES (TG_TABLE_NAME, current_setting('synchronous_commit'));
        RETURN NULL;
      END $$;`);
    for (const table of PROBED_TABLES) {
      await client.query(
        `CREATE CONSTRAINT TRIGGER note_commit_setting AFTER INSERT OR UPDATE OR DELETE ON ${table}
         DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION note_commit_setting()`,
      );
    }
  });
}

/** What `commit_settings` holds, per table: the distinct settings, sorted. */
export function readCommitSettings(url: string): Promise<CommitSettings> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ table_name: string; settings: string[] }>(
      `SELECT table_name, array_agg(DISTINCT synchronous_commit ORDER BY synchronous_commit)
         AS settings FROM commit_settings GROUP BY table_name`,
    );
    return Object.fromEntries(rows.map((row) => [row.table_name, row.settings]));
  });
}

/** `SHOW synchronous_commit` on a new session to `url` (a pooler's URL: a pooled server connection). */
export function sessionSynchronousCommit(url: string): Promise<string | undefined> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ synchronous_commit: string }>('SHOW synchronous_commit');
    return rows[0]?.synchronous_commit;
  });
}
