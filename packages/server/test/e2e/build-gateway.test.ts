import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, parseConfig } from '../../src/config/load-config.js';
import { buildGateway, startGateway } from '../../src/start-gateway.js';
import { testTokenCounter } from '../helpers/start-test-gateway.js';

async function temporaryDirectory(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'tollgate-build-'));
  t.after(() => rm(directory, { recursive: true, force: true }));
  return directory;
}

test('a built gateway serves only once it listens, then closes', async (t) => {
  const dataDir = await temporaryDirectory(t);
  const gateway = await buildGateway({ dataDir, tokenCounter: testTokenCounter() });
  assert.equal(gateway.app.server.listening, false);
  assert.equal(gateway.demo, true);
  assert.equal(gateway.settings.port, 8080);
  const url = await gateway.listen(0, '127.0.0.1');
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const response = await fetch(`${url}/api/v1/models`);
  assert.equal(response.status, 200);
  const models = (await response.json()) as { data: Array<{ id: string }> };
  assert.deepEqual(
    models.data.map((model) => model.id),
    ['tollgate/demo'],
  );
  await gateway.close();
  assert.equal(gateway.app.server.listening, false);
});

test('a gateway that never listened closes, releasing its storage', async (t) => {
  const dataDir = await temporaryDirectory(t);
  const gateway = await buildGateway({ dataDir, countTokens: false });
  await gateway.close();
  // Closed twice is closed once.
  await gateway.close();
  // The SQLite file is released: a second gateway opens the same data.
  const again = await buildGateway({ dataDir, countTokens: false });
  assert.equal(again.bootstrapKey, null, 'the first build created the bootstrap key');
  await again.close();
});

test('refuses at start an endpoint the price catalog has no price for, before opening storage', async (t) => {
  const dataDir = await temporaryDirectory(t);
  const config = parseConfig(
    {
      providers: [{ name: 'Upstream', kind: 'anthropic', base_url: 'http://127.0.0.1:9/v1' }],
      models: [{ id: 'test/x', endpoints: [{ provider: 'Upstream', model: 'claude-x' }] }],
    },
    {},
  );
  await assert.rejects(startGateway({ dataDir, config, countTokens: false }), (error: unknown) => {
    assert.ok(error instanceof ConfigError, String(error));
    assert.match(error.message, /^config is invalid:\n {2}- models\[0\]\.endpoints\[0\]: no price/);
    return true;
  });
  assert.deepEqual(await readdir(dataDir), []);
});
