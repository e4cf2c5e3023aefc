import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  installCommitProbe,
  readCommitSettings,
  sessionSynchronousCommit,
} from '../helpers/commit-settings.js';
import { startFakeUpstream } from '../helpers/fake-upstream.js';
import {
  createFreshPostgresDatabase,
  TEST_DATABASE_URL,
} from '../helpers/fresh-postgres-database.js';
import { prepareGatewayFiles, startGatewayProcess } from '../helpers/gateway-process.js';
import { getGeneration, postJson, readSse } from '../helpers/http.js';
import { openAIChatCompletion, openAIStreamEvents } from '../helpers/openai-fixtures.js';
import { findPgBouncer, PGBOUNCER_MISSING, startPgBouncer } from '../helpers/pgbouncer.js';
import { defaultTestConfig } from '../helpers/start-test-gateway.js';

const pgbouncer = findPgBouncer();

test('a gateway at TOLLGATE_DURABILITY=process behind PgBouncer in transaction mode starts, serves chat completions and commits their records and journal with synchronous_commit off', {
  skip: pgbouncer === undefined ? PGBOUNCER_MISSING : false,
  timeout: 60_000,
}, async (t) => {
  assert.ok(pgbouncer !== undefined);
  const database = await createFreshPostgresDatabase();
  const bouncer = await startPgBouncer(pgbouncer, { upstream: TEST_DATABASE_URL, poolSize: 2 });
  t.after(async () => {
    await bouncer.stop();
    await database.drop();
  });
  const upstream = await startFakeUpstream();
  t.after(() => upstream.close());
  upstream.route('/v1/chat/completions', (request) =>
    (request.body as { stream?: boolean }).stream === true
      ? { kind: 'sse', events: openAIStreamEvents({ contents: ['Hi', ' there'] }) }
      : { kind: 'json', body: openAIChatCompletion({ content: 'Hi' }) },
  );
  const files = await prepareGatewayFiles(
    t,
    'tollgate-pgbouncer-process-',
    defaultTestConfig(upstream.url),
  );
  const gateway = await startGatewayProcess(t, {
    ...files.env,
    DATABASE_URL: bouncer.url(database.name),
    DATABASE_PREPARED_STATEMENTS: 'false',
    DATABASE_POOL_SIZE: '2',
    TOLLGATE_DURABILITY: 'process',
    TOLLGATE_DATA_DIR: join(files.dataDir, 'unused-sqlite-dir'),
  });
  // The schema exists once the gateway listens.
  await installCommitProbe(database.url);

  const request = { model: 'test/model', messages: [{ role: 'user', content: 'Hello' }] };
  const json = await postJson(gateway.apiUrl, '/chat/completions', files.adminKey, request);
  assert.equal(json.status, 200);
  const { id } = (await json.json()) as { id: string };
  // A stream is journaled before its first byte: its record's commit deletes the journal row.
  const stream = await postJson(gateway.apiUrl, '/chat/completions', files.adminKey, {
    ...request,
    stream: true,
  });
  assert.equal(stream.status, 200);
  const streamed = await readSse(stream);
  assert.ok(streamed.done);
  const streamId = streamed.chunks[0]?.['id'];
  assert.equal(typeof streamId, 'string');
  for (const generationId of [id, streamId as string]) {
    const lookup = await getGeneration(gateway.apiUrl, files.adminKey, generationId);
    assert.equal(lookup.status, 200, await lookup.clone().text());
    assert.equal(((await lookup.json()) as { data: { id: string } }).data.id, generationId);
  }

  const settings = await readCommitSettings(database.url);
  assert.deepEqual(settings.generations, ['off'], 'the records committed asynchronously');
  assert.deepEqual(settings.usage_by_model, ['off'], 'its rollup in the same commit');
  assert.deepEqual(settings.inflight_generations, ['off'], 'the in-flight journal too');
  assert.equal(await sessionSynchronousCommit(bouncer.url(database.name)), 'on');
  assert.equal((await gateway.kill('SIGTERM')).code, 0);
});
