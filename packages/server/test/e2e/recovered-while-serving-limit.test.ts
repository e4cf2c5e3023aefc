/**
 * "A key's spending limit is never overspent", when a dead node's streams are recovered while
 * this node serves. Single node, limits in memory (no Redis), SQLite. A node dies (kill -9) with
 * two streams of a limited key in flight; the node that takes over the same data directory runs
 * under another node id (the default id is `hostname:storage-hash`, so a container re-created
 * with a new hostname is exactly this). Its own start-up recovery finds nothing (the rows are the
 * dead node's); the dead node's rows are recovered later, while serving, by the node-lease sweep,
 * after the key's stored usage was read: the recovered charges must count against the key all
 * the same (SpendGuard.recordRecovered).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { usdNumberToPico } from '../../src/ledger/money.js';
import {
  HELD_MARKER,
  keyUsagePico,
  pollUntil,
  receivedId,
  startGatedUpstream,
  sumUsagePico,
} from '../helpers/durability.js';
import { prepareGatewayFiles, startGatewayProcess } from '../helpers/gateway-process.js';
import { getGeneration, postJson } from '../helpers/http.js';
import { openAIChatCompletion, openAIStreamEvents } from '../helpers/openai-fixtures.js';
import { startClientRequest } from '../helpers/stream-client.js';

const LEASE_MS = 4000;
const LIMIT_USD = 1;

function config(upstreamUrl: string): unknown {
  return {
    providers: [
      {
        name: 'Acme',
        kind: 'openai',
        base_url: `${upstreamUrl}/v1`,
        api_key: 'sk-up',
        timeout_ms: 20_000,
      },
    ],
    models: [
      {
        id: 'test/model',
        name: 'Test Model',
        endpoints: [
          {
            provider: 'Acme',
            model: 'upstream-model-1',
            // A request costs $0.40 plus $0.001 a completion token: with max_tokens 1 each hold
            // (and each capped charge) is $0.401, so a $1 limit admits two at a time.
            pricing: { prompt: '0', completion: '0.001', request: '0.4' },
          },
        ],
      },
    ],
  };
}

test('records recovered from a dead node while serving count against the key limit (in-memory guard)', async (t) => {
  const { upstream, gate } = await startGatedUpstream(t);
  upstream.route('/v1/chat/completions', (request) => {
    const body = request.body as { stream?: boolean };
    if (body.stream === true) {
      return {
        kind: 'sse',
        events: openAIStreamEvents({ contents: [HELD_MARKER, ' and the rest'] }),
        gate: gate.opened,
        gateAfter: 2,
      };
    }
    return { kind: 'json', body: openAIChatCompletion({ content: 'ok' }) };
  });
  const files = await prepareGatewayFiles(t, 'tollgate-recovered-limit-', config(upstream.url));
  const environment = {
    ...files.env,
    REDIS_URL: undefined,
    DATABASE_URL: undefined,
    TOLLGATE_NODE_LEASE_MS: String(LEASE_MS),
    TOLLGATE_CHECKPOINT_INTERVAL_MS: '100',
  };

  // Node A: a key limited to $1; two streams of it are held mid-way at the upstream.
  const nodeA = await startGatewayProcess(t, { ...environment, TOLLGATE_NODE_ID: 'host-a' });
  const created = await postJson(nodeA.apiUrl, '/keys', files.adminKey, {
    name: 'limited',
    limit: LIMIT_USD,
  });
  assert.equal(created.status, 201);
  const { key } = (await created.json()) as { key: string };
  const held = [0, 1].map((index) =>
    startClientRequest(nodeA.apiUrl, '/chat/completions', key, {
      model: 'test/model',
      messages: [{ role: 'user', content: `hold ${index}` }],
      max_tokens: 1,
      stream: true,
    }),
  );
  await Promise.all(held.map((request) => request.received(HELD_MARKER)));
  // Whether a checkpoint landed or not, each recovered record bills at least its request price.
  assert.deepEqual(await nodeA.kill('SIGKILL'), { code: null, signal: 'SIGKILL' });
  const heldIds = (await Promise.all(held.map((request) => request.outcome)))
    .map(receivedId)
    .filter((id) => id !== null)
    .map((received) => received.id);
  assert.equal(heldIds.length, 2);

  // Node B takes over the same data directory under another node id (a new hostname).
  const nodeB = await startGatewayProcess(t, { ...environment, TOLLGATE_NODE_ID: 'host-b' });
  // The key's first request on B, before A's lease expires: refused (its hold is $1.40), but it
  // makes B read the key's stored usage (nothing yet: A's streams are still journal rows).
  const probe = await postJson(nodeB.apiUrl, '/chat/completions', key, {
    model: 'test/model',
    messages: [{ role: 'user', content: 'probe' }],
    max_tokens: 1000,
  });
  assert.equal(probe.status, 402);
  await probe.text();

  // A's lease expires; B's sweep recovers A's two streams into records charged to the key.
  for (const id of heldIds) {
    await pollUntil(`recovered record ${id}`, async () => {
      const response = await getGeneration(nodeB.apiUrl, files.adminKey, id);
      await response.body?.cancel();
      return response.status === 200 ? true : undefined;
    });
  }
  const recovered = await keyUsagePico(nodeB.apiUrl, key);
  assert.ok(recovered > 0n, `the recovered records charged the key (${recovered} pico)`);

  // Now the key spends on B, sequentially (no concurrency needed), until refused.
  let served = 0;
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const response = await postJson(nodeB.apiUrl, '/chat/completions', key, {
      model: 'test/model',
      messages: [{ role: 'user', content: `after ${attempt}` }],
      max_tokens: 1,
    });
    await response.text();
    if (response.status === 402) break;
    assert.equal(response.status, 200);
    served += 1;
  }
  const usage = await keyUsagePico(nodeB.apiUrl, key);
  const limit = usdNumberToPico(LIMIT_USD);
  const records = [];
  for (const id of heldIds) {
    const response = await getGeneration(nodeB.apiUrl, files.adminKey, id);
    records.push(((await response.json()) as { data: { usage: number } }).data);
  }
  assert.ok(
    usage <= limit,
    `key usage ${usage} pico ≤ limit ${limit} pico (recovered: ${sumUsagePico(records)} pico, ` +
      `then ${served} more requests admitted on top of them)`,
  );
});
