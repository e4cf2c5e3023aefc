import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { startFakeUpstream } from '../helpers/fake-upstream.js';
import { createFreshPostgresDatabase } from '../helpers/fresh-postgres-database.js';
import {
  type GatewayProcess,
  prepareGatewayFiles,
  startGatewayProcess,
} from '../helpers/gateway-process.js';
import { getGeneration, postJson, readSse } from '../helpers/http.js';
import { openAIChatCompletion, openAIStreamEvents } from '../helpers/openai-fixtures.js';
import { defaultTestConfig } from '../helpers/start-test-gateway.js';

const messages = [{ role: 'user', content: 'Hello' }];

/** GET /generation on a node: status and the exact body text. */
async function lookup(node: GatewayProcess, key: string, id: string) {
  const response = await getGeneration(node.apiUrl, key, id);
  return { status: response.status, text: await response.text() };
}

test('two gateway processes on one PostgreSQL database share generations and keys at once', async (t) => {
  const database = await createFreshPostgresDatabase();
  t.after(() => database.drop());
  const upstream = await startFakeUpstream();
  t.after(() => upstream.close());
  upstream.route('/v1/chat/completions', (request) => {
    const body = request.body as { stream?: boolean };
    return body.stream === true
      ? { kind: 'sse', events: openAIStreamEvents({ contents: ['Hel', 'lo'] }) }
      : {
          kind: 'json',
          body: openAIChatCompletion({ usage: { prompt_tokens: 12, completion_tokens: 7 } }),
        };
  });
  const files = await prepareGatewayFiles(
    t,
    'tollgate-multi-node-',
    defaultTestConfig(upstream.url),
  );
  const adminKey = files.adminKey;
  const environment = {
    ...files.env,
    DATABASE_URL: database.url,
    TOLLGATE_DATA_DIR: join(files.dataDir, 'unused-sqlite-dir'),
  };
  // Both start at once: concurrent migrations and bootstrap-key inserts on one fresh database.
  const [nodeA, nodeB] = await Promise.all([
    startGatewayProcess(t, { ...environment, TOLLGATE_NODE_ID: 'node-a' }),
    startGatewayProcess(t, { ...environment, TOLLGATE_NODE_ID: 'node-b' }),
  ]);

  await t.test('a non-stream generation made on A is readable on B at once', async () => {
    for (let round = 0; round < 5; round += 1) {
      const [writer, reader] = round % 2 === 0 ? [nodeA, nodeB] : [nodeB, nodeA];
      const response = await postJson(writer.apiUrl, '/chat/completions', adminKey, {
        model: 'test/model',
        messages,
      });
      assert.equal(response.status, 200);
      const { id } = (await response.json()) as { id: string };
      const onReader = await lookup(reader, adminKey, id);
      assert.equal(onReader.status, 200, onReader.text);
      assert.equal(onReader.text, (await lookup(writer, adminKey, id)).text);
      assert.equal((JSON.parse(onReader.text) as { data: { id: string } }).data.id, id);
    }
  });

  await t.test(
    'a streamed generation made on B is readable on A once the stream ends',
    async () => {
      for (let round = 0; round < 5; round += 1) {
        const [writer, reader] = round % 2 === 0 ? [nodeB, nodeA] : [nodeA, nodeB];
        const response = await postJson(writer.apiUrl, '/chat/completions', adminKey, {
          model: 'test/model',
          messages,
          stream: true,
        });
        const stream = await readSse(response);
        assert.equal(stream.done, true);
        const id = String(stream.chunks[0]?.['id']);
        const onReader = await lookup(reader, adminKey, id);
        assert.equal(onReader.status, 200, onReader.text);
        const record = JSON.parse(onReader.text) as { data: { id: string; streamed: boolean } };
        assert.equal(record.data.id, id);
        assert.equal(record.data.streamed, true);
      }
    },
  );

  await t.test('a key created on A works on B, and its usage is the same on both', async () => {
    const created = await postJson(nodeA.apiUrl, '/keys', adminKey, { name: 'shared', limit: 5 });
    assert.equal(created.status, 201);
    const { key } = (await created.json()) as { key: string };
    const response = await postJson(nodeB.apiUrl, '/chat/completions', key, {
      model: 'test/model',
      messages,
    });
    assert.equal(response.status, 200);
    const { id, usage } = (await response.json()) as { id: string; usage: { cost: number } };
    assert.equal((await lookup(nodeA, key, id)).status, 200, 'the key reads its record on A');
    for (const node of [nodeA, nodeB]) {
      const view = await fetch(`${node.apiUrl}/key`, {
        headers: { authorization: `Bearer ${key}` },
      });
      assert.equal(view.status, 200);
      const { data } = (await view.json()) as { data: { usage: number; limit: number } };
      assert.equal(data.usage, usage.cost);
      assert.equal(data.limit, 5);
    }
  });

  await t.test('both nodes drain and exit 0 on SIGTERM', async () => {
    const stopped = [nodeA.kill('SIGTERM'), nodeB.kill('SIGTERM')];
    for (const exit of stopped) assert.deepEqual(await exit, { code: 0, signal: null });
  });
});
