import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateKey } from '../../src/accounts/api-keys.js';
import { scratchDir, startGatewayProcess } from '../helpers/gateway-process.js';

/** The access-log lines of `output` for `route`. */
function accessLines(output: string, route: string): unknown[] {
  return output
    .split('\n')
    .filter((line) => line.includes('"msg":"request"'))
    .map((line) => JSON.parse(line) as { route: string })
    .filter((line) => line.route === route);
}

// Access-log lines are written in batches (logging.ts, decision 0040): none may be held forever
// while the gateway runs, and none may be lost when it stops.
test('batched access-log lines reach stdout while the gateway runs, and all of them by its exit', {
  timeout: 60_000,
}, async (t) => {
  const key = generateKey();
  const gateway = await startGatewayProcess(t, {
    TOLLGATE_DATA_DIR: await scratchDir(t, 'tollgate-access-log-'),
    TOLLGATE_ADMIN_KEY: key,
  });
  const headers = { authorization: `Bearer ${key}` };

  // One line, far under a batch: written by the periodic flush, not held until more come.
  assert.equal((await fetch(`${gateway.apiUrl}/models`, { headers })).status, 200);
  await gateway.waitForOutput('"route":"/api/v1/models"');
  assert.equal(accessLines(gateway.output, '/api/v1/models').length, 1);

  // More lines than one batch holds, then a stop: every one is on stdout once it has exited.
  const requests = 40;
  for (let index = 0; index < requests; index += 1) {
    const response = await fetch(`${gateway.apiUrl}/key`, { headers });
    assert.equal(response.status, 200);
    await response.arrayBuffer();
  }
  const exit = await gateway.kill('SIGTERM');
  assert.equal(exit.code, 0);
  assert.equal(accessLines(gateway.output, '/api/v1/key').length, requests);
  // The gateway's own lines are there too, after the access lines written before them.
  const output = gateway.output;
  assert.ok(output.indexOf('shutting down') > output.lastIndexOf('"route":"/api/v1/key"'));
});
