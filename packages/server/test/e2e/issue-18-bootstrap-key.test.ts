import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import {
  type GatewayProcess,
  scratchDir,
  startGatewayProcess,
} from '../helpers/gateway-process.js';

/** Runs `dist/main.js` on `dataDir` with no TOLLGATE_ADMIN_KEY (nor config, nor PostgreSQL). */
function start(t: TestContext, dataDir: string): Promise<GatewayProcess> {
  return startGatewayProcess(t, {
    TOLLGATE_DATA_DIR: dataDir,
    TOLLGATE_ADMIN_KEY: undefined,
    TOLLGATE_CONFIG: undefined,
    DATABASE_URL: undefined,
  });
}

test('the first start prints the management key in a framed block on stderr, a restart does not', async (t) => {
  const dataDir = await scratchDir(t, 'tollgate-bootstrap-key-');

  const first = await start(t, dataDir);
  const framed = /^\+-+\+\n(?:\| .* \|\n)+\+-+\+$/m;
  await first.waitForStderr(framed);
  const block = framed.exec(first.stderr);
  assert.ok(block !== null, `no framed block on stderr: ${first.stderr}`);
  const key = /\| +(sk-tg-v1-\S+) +\|/.exec(block[0])?.[1];
  assert.ok(key !== undefined, block[0]);
  assert.match(block[0], /npm start -- keys create --management/);
  assert.ok(!first.output.includes(key), 'the key stays out of the JSON log');
  const keys = await fetch(`${first.url}/api/v1/keys`, {
    headers: { authorization: `Bearer ${key}` },
  });
  assert.equal(keys.status, 200);
  await first.kill('SIGTERM');

  const again = await start(t, dataDir);
  await again.kill('SIGTERM');
  assert.doesNotMatch(again.stderr, /sk-tg-v1-/);
});
