/**
 * What an inference key can reach beyond the key CRUD keys.test.ts covers: no other key's data and
 * no management operation, no key hash taken for a key, no escalation through ignored fields, and
 * odd Authorization values answered 401 in the envelope on every lane.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashKey } from '../../src/accounts/api-keys.js';
import { createKey, postJson } from '../helpers/http.js';
import { startTestGatewayFor, type TestGateway } from '../helpers/start-test-gateway.js';

const MODEL = 'tollgate/demo';

async function chat(harness: TestGateway, key: string): Promise<string> {
  const response = await postJson(harness.apiUrl, '/chat/completions', key, {
    model: MODEL,
    messages: [{ role: 'user', content: 'Hello!' }],
  });
  const text = await response.text();
  assert.equal(response.status, 200, text);
  return (JSON.parse(text) as { id: string }).id;
}

function get(harness: TestGateway, key: string, path: string): Promise<Response> {
  return fetch(`${harness.apiUrl}${path}`, { headers: { authorization: `Bearer ${key}` } });
}

test('an inference key reaches no other key’s data and no management operation', async (t) => {
  const harness = await startTestGatewayFor(t, { demo: true });
  const alice = await createKey(harness.apiUrl, harness.key, {
    name: 'alice',
    store_content: true,
  });
  const bob = await createKey(harness.apiUrl, harness.key, { name: 'bob', store_content: true });
  const aliceId = await chat(harness, alice);
  const bobId = await chat(harness, bob);
  const adminId = await chat(harness, harness.key);

  // Management-only endpoints beyond keys CRUD and /credits.
  for (const [method, path, body] of [
    ['GET', '/activity', undefined],
    ['GET', '/credits/grants', undefined],
    ['POST', '/auth/keys/code', { callback_url: 'http://localhost:9/cb' }],
  ] as const) {
    const response =
      method === 'GET'
        ? await get(harness, bob, path)
        : await postJson(harness.apiUrl, path, bob, body);
    assert.equal(response.status, 403, `${method} ${path}: ${await response.text()}`);
  }

  // Generations log: own only, other key_hash refused, exports own only.
  const refused = await get(harness, bob, `/generations?key_hash=${hashKey(alice)}`);
  assert.equal(refused.status, 403);
  const own = (await (await get(harness, bob, '/generations')).json()) as {
    data: Array<{ id: string }>;
  };
  assert.deepEqual(
    own.data.map((row) => row.id),
    [bobId],
  );
  for (const format of ['csv', 'ndjson']) {
    const text = await (await get(harness, bob, `/generations?format=${format}`)).text();
    assert.ok(text.includes(bobId), format);
    assert.ok(!text.includes(aliceId) && !text.includes(adminId), `${format} leaks others`);
  }
  // Activity summary by key: only its own hash.
  const summary = (await (await get(harness, bob, '/activity/summary?group_by=key')).json()) as {
    data: Array<{ group: string | null }>;
    totals: { requests: number };
  };
  assert.deepEqual([...new Set(summary.data.map((row) => row.group))], [hashKey(bob)]);
  assert.equal(summary.totals.requests, 1);

  // Another key's generation and content are answered exactly like missing ones.
  const missing = 'gen-0000000000-AAAAAAAAAAAAAAAAAAAA';
  for (const path of ['/generation', '/generation/content']) {
    const other = await get(harness, bob, `${path}?id=${aliceId}`);
    const none = await get(harness, bob, `${path}?id=${missing}`);
    assert.equal(other.status, 404);
    assert.equal(none.status, 404);
    const otherBody = (await other.text()).replace(aliceId, 'ID');
    const noneBody = (await none.text()).replace(missing, 'ID');
    assert.equal(otherBody, noneBody, path);
    const names = (headers: Headers) => {
      const found: string[] = [];
      headers.forEach((_value, name) => {
        found.push(name);
      });
      return found.sort().join();
    };
    assert.equal(names(other.headers), names(none.headers), path);
  }
  // ...while its own content is readable.
  assert.equal((await get(harness, bob, `/generation/content?id=${bobId}`)).status, 200);

  // A key's hash (public id) is not a key: neither the management key's nor alice's.
  for (const hash of [hashKey(harness.key), hashKey(alice)]) {
    assert.equal((await get(harness, hash, '/key')).status, 401);
    assert.equal((await get(harness, hash, `/generation?id=${adminId}`)).status, 401);
  }
});

test('no field makes a created or patched key a management key', async (t) => {
  const harness = await startTestGatewayFor(t, { demo: true });
  const created = await createKey(harness.apiUrl, harness.key, {
    name: 'escalate',
    is_management: true,
    is_provisioning_key: true,
    isManagement: true,
  });
  const patched = await fetch(`${harness.apiUrl}/keys/${hashKey(created)}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${harness.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ is_management: true, is_provisioning_key: true, rate_limit: null }),
  });
  assert.ok(patched.status === 200 || patched.status === 400, String(patched.status));
  const current = (await (await get(harness, created, '/key')).json()) as {
    data: { is_management_key: boolean };
  };
  assert.equal(current.data.is_management_key, false);
  assert.equal((await get(harness, created, '/keys')).status, 403);
  // An OAuth-minted key is an inference key as well.
  const code = await postJson(harness.apiUrl, '/auth/keys/code', harness.key, {
    callback_url: 'http://localhost:9/cb',
  });
  const id = ((await code.json()) as { data: { id: string } }).data.id;
  const exchanged = await postJson(harness.apiUrl, '/auth/keys', null, { code: id });
  const minted = ((await exchanged.json()) as { key: string }).key;
  assert.equal((await get(harness, minted, '/keys')).status, 403);
});

test('odd Authorization values are 401 in the envelope, never 5xx, on every lane', async (t) => {
  const harness = await startTestGatewayFor(t, { demo: true });
  const values = [
    '',
    'Bearer',
    'Bearer ',
    `Basic ${Buffer.from(`x:${harness.key}`).toString('base64')}`,
    `Bearer ${harness.key} extra`,
    `Token ${harness.key}`,
    `Bearer ${'a'.repeat(12_000)}`,
    `Bearer ${harness.key.toUpperCase()}`,
    `Bearer ${harness.key.slice(0, -1)}`,
  ];
  for (const authorization of values) {
    for (const [method, path] of [
      ['GET', '/generation?id=gen-1'],
      ['POST', '/chat/completions'],
      ['GET', '/keys'],
    ] as const) {
      let response: Response;
      try {
        response = await fetch(`${harness.apiUrl}${path}`, {
          method,
          headers: { authorization, 'content-type': 'application/json' },
          ...(method === 'POST'
            ? { body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'x' }] }) }
            : {}),
        });
      } catch {
        continue; // undici refuses to send some header values: nothing reached the gateway
      }
      const text = await response.text();
      assert.equal(
        response.status,
        401,
        `${method} ${path} ${JSON.stringify(authorization.slice(-8))}: ${text}`,
      );
      assert.ok(!text.includes(harness.key), 'echoes the key');
    }
  }
});
