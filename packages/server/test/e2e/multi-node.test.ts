import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateKey } from '../../src/accounts/api-keys.js';
import { startFakeUpstream } from '../helpers/fake-upstream.js';
import { createFreshPostgresDatabase } from '../helpers/fresh-postgres-database.js';
import { getGeneration, postJson, readSse } from '../helpers/http.js';
import { openAIChatCompletion, openAIStreamEvents } from '../helpers/openai-fixtures.js';
import { type SpawnedGateway, spawnGateway } from '../helpers/spawn-gateway.js';
import { defaultTestConfig } from '../helpers/start-test-gateway.js';

const messages = [{ role: 'user', content: 'Hello' }];

/** GET /generation on a node: status and the exact body text. */
async function lookup(node: SpawnedGateway, key: string, id: string) {
  const response = await getGeneration(node.apiUrl, key, id);
  return { status: response.status, text: await response.text() };
}

test('two gateway processes on one PostgreSQL database share generations and keys at once', async (t) => {
  const database = await createFreshPostgresDatabase();
  const upstream = await startFakeUpstream();
  const directory = await mkdtemp(join(tmpdir(), 'tollgate-multi-node-'));
  const nodes: SpawnedGateway[] = [];
  t.after(async () => {
    for (const node of nodes) if (node.child.exitCode === null) node.child.kill('SIGKILL');
    await Promise.all(nodes.map((node) => node.exited));
    await upstream.close();
    await rm(directory, { recursive: true, force: true });
    await database.drop();
  });
  upstream.route('/v1/chat/completions', (request) => {
    const body = request.body as { stream?: boolean };
    return body.stream === true
      ? { kind: 'sse', events: openAIStreamEvents({ contents: ['Hel', 'lo'] }) }
      : {
          kind: 'json',
          body: openAIChatCompletion({ usage: { prompt_tokens: 12, completion_tokens: 7 } }),
        };
  });
  const configPath = join(directory, 'config.json');
  await writeFile(configPath, JSON.stringify(defaultTestConfig(upstream.url)));
  const adminKey = generateKey();
  const environment = {
    DATABASE_URL: database.url,
    TOLLGATE_CONFIG: configPath,
    TOLLGATE_ADMIN_KEY: adminKey,
    TOLLGATE_DATA_DIR: join(directory, 'unused-sqlite-dir'),
  };
  // Both start at once: concurrent migrations and bootstrap-key inserts on one fresh database.
  const [nodeA, nodeB] = await Promise.all([
    spawnGateway({ ...environment, TOLLGATE_NODE_ID: 'node-a' }),
    spawnGateway({ ...environment, TOLLGATE_NODE_ID: 'node-b' }),
  ]);
  nodes.push(nodeA, nodeB);

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
    for (const node of nodes) node.child.kill('SIGTERM');
    for (const node of nodes) assert.deepEqual(await node.exited, { code: 0, signal: null });
  });
});
