import assert from 'node:assert/strict';
import { Agent, type IncomingHttpHeaders, request } from 'node:http';
import { test } from 'node:test';
import { createGate } from '../helpers/gate.js';
import { openAIChatCompletion } from '../helpers/openai-fixtures.js';
import { startTestGatewayFor } from '../helpers/start-test-gateway.js';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A chat completion over a keep-alive connection of `agent`, read whole. */
function chat(apiUrl: string, key: string, agent: Agent, content: string): Promise<Answer> {
  const body = JSON.stringify({ model: 'test/model', messages: [{ role: 'user', content }] });
  return new Promise((resolve, reject) => {
    const outgoing = request(
      `${apiUrl}/chat/completions`,
      {
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
        },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }),
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

// A response that ends while the gateway drains used to say `Connection: keep-alive` although the
// server closes the connection right after it (keepAliveTimeout 1 ms): a client reusing it raced
// that close and its next request failed with a reset instead of a clean answer elsewhere.
test('a response finished during the drain says Connection: close', async (t) => {
  const harness = await startTestGatewayFor(t);
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  t.after(() => agent.destroy());

  // Before the drain: kept alive.
  harness.upstream.route('/v1/chat/completions', () => ({
    kind: 'json',
    body: openAIChatCompletion({ content: 'before' }),
  }));
  const before = await chat(harness.apiUrl, harness.key, agent, 'before');
  assert.equal(before.status, 200);
  assert.equal(before.headers.connection, 'keep-alive');

  const reached = createGate();
  const held = createGate();
  harness.upstream.route('/v1/chat/completions', async () => {
    reached.open();
    await held.opened;
    return { kind: 'json', body: openAIChatCompletion({ content: 'during the drain' }) };
  });
  const during = chat(harness.apiUrl, harness.key, agent, 'held');
  await reached.opened;
  const closed = harness.gateway.close();
  // Fastify stops listening right after its preClose hook turned the drain on.
  while (harness.gateway.app.server.listening) await new Promise((done) => setImmediate(done));
  held.open();
  const answer = await during;
  assert.equal(answer.status, 200);
  assert.match(answer.body, /during the drain/);
  assert.equal(answer.headers.connection, 'close');
  await closed;
});
