import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  fetchCompleteRecord,
  HELD_MARKER,
  receivedId,
  routeDurabilityUpstream,
  startGatedUpstream,
} from '../helpers/durability.js';
import { prepareGatewayFiles, startGatewayProcess } from '../helpers/gateway-process.js';
import { defaultTestConfig } from '../helpers/start-test-gateway.js';
import { startClientRequest } from '../helpers/stream-client.js';

// Decision 0052: a second gateway process on the same host and SQLite file, with the same
// (default) node id, used to take the first one's live journal rows for its own dead
// predecessor's and finish its open streams as cancelled records. It now refuses to start.
test('a second process with the same node id is refused and leaves the first one’s live stream alone', async (t) => {
  const { upstream, gate } = await startGatedUpstream(t);
  routeDurabilityUpstream(upstream, gate.opened);
  const files = await prepareGatewayFiles(t, 'tollgate-node-id-', defaultTestConfig(upstream.url));
  // No TOLLGATE_NODE_ID: both get the default id (host + storage).
  const env = { ...files.env, TOLLGATE_NODE_ID: undefined, TOLLGATE_CHECKPOINT_INTERVAL_MS: '0' };
  const first = await startGatewayProcess(t, env);
  const held = startClientRequest(first.apiUrl, '/chat/completions', files.adminKey, {
    model: 'test/model',
    messages: [{ role: 'user', content: 'hold this one' }],
    stream: true,
  });
  await held.received(HELD_MARKER);

  await assert.rejects(startGatewayProcess(t, env), (error: Error) => {
    assert.match(error.message, /exited early \(1\)/);
    assert.match(
      error.message,
      new RegExp(`node id "[^"]+" is in use by process ${first.pid} on host .*TOLLGATE_NODE_ID`),
    );
    return true;
  });

  gate.open();
  const outcome = await held.outcome;
  assert.equal(outcome.status, 200);
  assert.equal(outcome.done, true);
  const id = receivedId(outcome)?.id;
  assert.ok(id !== undefined);
  const record = await fetchCompleteRecord(first.apiUrl, files.adminKey, id);
  assert.equal(record.cancelled, false, 'the stream finished on its own node');
  assert.equal(record.finish_reason, 'stop');

  // Once the first process is gone (stopped), the same node id starts again at once.
  assert.deepEqual(await first.kill('SIGTERM'), { code: 0, signal: null });
  const again = await startGatewayProcess(t, env);
  assert.deepEqual(await again.kill('SIGTERM'), { code: 0, signal: null });
});

test('two processes given distinct node ids share one SQLite file', async (t) => {
  const { upstream, gate } = await startGatedUpstream(t);
  routeDurabilityUpstream(upstream, gate.opened);
  const files = await prepareGatewayFiles(t, 'tollgate-node-ids-', defaultTestConfig(upstream.url));
  const first = await startGatewayProcess(t, { ...files.env, TOLLGATE_NODE_ID: 'one' });
  const second = await startGatewayProcess(t, { ...files.env, TOLLGATE_NODE_ID: 'two' });
  for (const node of [first, second]) {
    const response = await fetch(`${node.apiUrl}/key`, {
      headers: { authorization: `Bearer ${files.adminKey}` },
    });
    assert.equal(response.status, 200);
    await response.text();
  }
});
