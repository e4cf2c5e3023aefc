import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  HELD_MARKER,
  pollUntil,
  receivedId,
  routeDurabilityUpstream,
  startGatedUpstream,
} from '../helpers/durability.js';
import { createFreshPostgresDatabase } from '../helpers/fresh-postgres-database.js';
import { countdown } from '../helpers/gate.js';
import { prepareGatewayFiles, startGatewayProcess } from '../helpers/gateway-process.js';
import { getGeneration, openStreamUntil } from '../helpers/http.js';
import { defaultTestConfig } from '../helpers/start-test-gateway.js';
import { startClientRequest } from '../helpers/stream-client.js';

const NON_STREAM = 5;

/**
 * A node that stops for longer than its lease (SIGSTOP: a VM freeze, a long GC or swap storm, a
 * storage outage) is taken for dead, and its journaled stream is recovered by another node as a
 * cancelled record. When it resumes, that stream's record commits with the same id and its insert
 * conflicts: the records of the other requests committed in the same batch (non-stream ones,
 * whose ids went out in `x-generation-id`) must not fail with it (ledger/group-commit.ts writes a
 * failed batch again item by item).
 */
test('PostgreSQL: a node that resumes after its lease expired loses no record of its other requests', async (t) => {
  const database = await createFreshPostgresDatabase();
  t.after(() => database.drop());
  const { upstream, gate } = await startGatedUpstream(t);
  const arrived = countdown(NON_STREAM + 1);
  routeDurabilityUpstream(upstream, gate.opened, () => arrived.tick());
  const files = await prepareGatewayFiles(
    t,
    'tollgate-paused-node-',
    defaultTestConfig(upstream.url),
  );
  const key = files.adminKey;
  const env = {
    ...files.env,
    DATABASE_URL: database.url,
    TOLLGATE_NODE_LEASE_MS: '1500',
    TOLLGATE_CHECKPOINT_INTERVAL_MS: '100',
  };
  const nodeA = await startGatewayProcess(t, { ...env, TOLLGATE_NODE_ID: 'paused-a' });
  const nodeB = await startGatewayProcess(t, { ...env, TOLLGATE_NODE_ID: 'survivor-b' });
  t.after(() => {
    try {
      process.kill(nodeA.pid, 'SIGCONT');
    } catch {
      // already gone
    }
  });
  // On A: a stream (journaled) and non-stream requests, all held by the upstream.
  const stream = await openStreamUntil(
    nodeA.apiUrl,
    key,
    { model: 'test/model', messages: [{ role: 'user', content: 'hold' }], stream: true },
    HELD_MARKER,
  );
  const requests = Array.from({ length: NON_STREAM }, (_, index) =>
    startClientRequest(nodeA.apiUrl, '/chat/completions', key, {
      model: 'test/model',
      messages: [{ role: 'user', content: `slow ${index}` }],
    }),
  );
  await arrived.reached;

  process.kill(nodeA.pid, 'SIGSTOP');
  // A's lease expires; a lookup on B recovers A's stream (cancelled) while A is stopped.
  await pollUntil(`the stream's record recovered on B`, async () => {
    const response = await getGeneration(nodeB.apiUrl, key, stream.generationId);
    await response.text();
    return response.status === 200 ? true : undefined;
  });
  process.kill(nodeA.pid, 'SIGCONT');
  gate.open();

  const lost: string[] = [];
  for (const request of requests) {
    const outcome = await request.outcome;
    const id = receivedId(outcome)?.id;
    assert.ok(id !== undefined, 'the id reached the client');
    const lookup = await getGeneration(nodeB.apiUrl, key, id);
    await lookup.text();
    if (lookup.status !== 200)
      lost.push(`${id}: answered ${outcome.status}, lookup ${lookup.status}`);
  }
  stream.abandon();
  assert.deepEqual(lost, [], `records lost:\n${lost.join('\n')}`);
});
