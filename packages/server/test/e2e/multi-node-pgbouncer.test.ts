import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import pg from 'pg';
import { startFakeUpstream } from '../helpers/fake-upstream.js';
import {
  createFreshPostgresDatabase,
  TEST_DATABASE_URL,
} from '../helpers/fresh-postgres-database.js';
import { prepareGatewayFiles, startGatewayProcess } from '../helpers/gateway-process.js';
import { getGeneration, postJson } from '../helpers/http.js';
import { openAIChatCompletion } from '../helpers/openai-fixtures.js';
import { findPgBouncer, PGBOUNCER_MISSING, startPgBouncer } from '../helpers/pgbouncer.js';
import { defaultTestConfig } from '../helpers/start-test-gateway.js';

const pgbouncer = findPgBouncer();

/** The advisory locks held or awaited in `url`'s database, read over a direct connection. */
async function advisoryLocks(url: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(
      "SELECT pid, objid, granted FROM pg_locks WHERE locktype = 'advisory' AND database = " +
        '(SELECT oid FROM pg_database WHERE datname = current_database())',
    );
    return rows;
  } finally {
    await client.end();
  }
}

test('three gateway processes starting at once behind PgBouncer in transaction mode all come up and share generations', {
  skip: pgbouncer === undefined ? PGBOUNCER_MISSING : false,
  timeout: 60_000,
}, async (t) => {
  assert.ok(pgbouncer !== undefined);
  const database = await createFreshPostgresDatabase();
  const bouncer = await startPgBouncer(pgbouncer, { upstream: TEST_DATABASE_URL, poolSize: 3 });
  t.after(async () => {
    await bouncer.stop();
    await database.drop();
  });
  const upstream = await startFakeUpstream();
  t.after(() => upstream.close());
  upstream.route('/v1/chat/completions', () => ({
    kind: 'json',
    body: openAIChatCompletion({ usage: { prompt_tokens: 12, completion_tokens: 7 } }),
  }));
  const files = await prepareGatewayFiles(
    t,
    'tollgate-pgbouncer-nodes-',
    defaultTestConfig(upstream.url),
  );
  const environment = {
    ...files.env,
    DATABASE_URL: bouncer.url(database.name),
    // Named statements do not survive a transaction-mode pooler (decision 0032).
    DATABASE_PREPARED_STATEMENTS: 'false',
    DATABASE_POOL_SIZE: '2',
    TOLLGATE_DATA_DIR: join(files.dataDir, 'unused-sqlite-dir'),
  };
  // All at once on a fresh database: concurrent migrations through the pooler.
  const nodes = await Promise.all(
    ['node-a', 'node-b', 'node-c'].map((id) =>
      startGatewayProcess(t, { ...environment, TOLLGATE_NODE_ID: id }),
    ),
  );
  assert.deepEqual(await advisoryLocks(database.url), [], 'no lock stays held after the starts');

  const [writer, ...readers] = nodes;
  assert.ok(writer !== undefined);
  const response = await postJson(writer.apiUrl, '/chat/completions', files.adminKey, {
    model: 'test/model',
    messages: [{ role: 'user', content: 'Hello' }],
  });
  assert.equal(response.status, 200);
  const { id } = (await response.json()) as { id: string };
  for (const reader of readers) {
    const lookup = await getGeneration(reader.apiUrl, files.adminKey, id);
    assert.equal(lookup.status, 200, await lookup.clone().text());
    assert.equal(((await lookup.json()) as { data: { id: string } }).data.id, id);
  }
  const exits = await Promise.all(nodes.map((node) => node.kill('SIGTERM')));
  assert.deepEqual(
    exits.map((exit) => exit.code),
    [0, 0, 0],
  );
});
