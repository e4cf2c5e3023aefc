/**
 * An upstream that quotes the provider key it was sent inside a 200 — a stream's error event, a
 * non-stream body that is an error envelope — has the key cut out as from an HTTP error body:
 * it reaches neither the client, nor stored content, nor the logs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { GenerationContentResponseSchema } from '@tollgate/protocol';
import { type CapturedLogs, captureLogs } from '../helpers/captured-logs.js';
import { postJson, readSse } from '../helpers/http.js';
import { openAIStreamEvents } from '../helpers/openai-fixtures.js';
import { openRouterSdk } from '../helpers/openrouter-clients.js';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

const PROVIDER_KEY = 'sk-live-provider-7f3a9c2e41d8b6';
const pricing = { prompt: '0.000001', completion: '0.000002' };
/** An error that quotes the key, in the message and deeper in the object. */
const quotingError = {
  message: `Incorrect API key provided: ${PROVIDER_KEY}. Rotate it.`,
  type: 'invalid_request_error',
  code: 'invalid_api_key',
  param: { sent: `Bearer ${PROVIDER_KEY}` },
};

describe('a provider key quoted by an upstream inside a 200 is cut out', () => {
  let harness: TestGateway;
  let logs: CapturedLogs;
  before(async () => {
    logs = captureLogs('trace', { redact: true });
    harness = await startTestGateway({
      countTokens: false,
      logger: logs.logger,
      config: (url) => ({
        store_content: true,
        providers: [{ name: 'Acme', kind: 'openai', base_url: `${url}/v1`, api_key: PROVIDER_KEY }],
        models: [{ id: 'test/model', endpoints: [{ provider: 'Acme', model: 'm-1', pricing }] }],
      }),
    });
  });
  after(async () => {
    await harness.close();
    // Whatever the gateway logged for these failures, at trace level, never holds the key.
    assert.ok(logs.lines.length > 0, 'the gateway logged');
    assert.equal(logs.lines.join('').includes(PROVIDER_KEY), false, 'the key reached the logs');
  });

  /** The stored content's error, read with plain fetch and through the strict SDK. */
  async function storedError(id: string): Promise<{ message: string | null; raw: string | null }> {
    const response = await fetch(`${harness.apiUrl}/generation/content?id=${id}`, {
      headers: { authorization: `Bearer ${harness.key}` },
    });
    assert.equal(response.status, 200);
    const text = await response.text();
    assert.equal(text.includes(PROVIDER_KEY), false, `stored content holds the key: ${text}`);
    const { data } = GenerationContentResponseSchema.parse(JSON.parse(text));
    const sdk = await openRouterSdk(harness).generations.listGenerationContent({ id });
    assert.equal(sdk.data.error?.raw, data.error?.raw);
    assert.ok(data.error !== null, 'a failed generation keeps its error');
    return data.error;
  }

  for (const [path, events] of [
    ['/chat/completions', openAIStreamEvents({ contents: ['Some'] }).slice(0, 2)],
    [
      '/completions',
      [{ id: 'cmpl-1', object: 'text_completion', choices: [{ index: 0, text: 'Some' }] }],
    ],
  ] as const) {
    test(`${path}: a mid-stream error event quoting the key reaches the client and stored content without it`, async () => {
      harness.upstream.route(`/v1${path}`, {
        kind: 'sse',
        events: [...events, { error: quotingError }],
      });
      const body =
        path === '/completions'
          ? { prompt: 'hi' }
          : { messages: [{ role: 'user', content: 'hi' }] };
      const response = await postJson(harness.apiUrl, path, harness.key, {
        model: 'test/model',
        stream: true,
        ...body,
      });
      assert.equal(response.status, 200);
      const id = response.headers.get('x-generation-id') ?? '';
      const read = await readSse(response);
      assert.equal(
        read.text.includes(PROVIDER_KEY),
        false,
        `the stream holds the key: ${read.text}`,
      );
      const last = read.chunks.at(-1) as {
        error: { code: number; message: string; metadata: { raw: unknown } };
      };
      assert.equal(last.error.message, 'Incorrect API key provided: [redacted]. Rotate it.');
      // The raw event keeps its shape, the key cut out wherever it was.
      assert.deepEqual(last.error.metadata.raw, {
        ...quotingError,
        message: 'Incorrect API key provided: [redacted]. Rotate it.',
        param: { sent: 'Bearer [redacted]' },
      });

      const error = await storedError(id);
      assert.equal(error.message, last.error.message);
      assert.equal(error.raw, JSON.stringify(last.error.metadata.raw));
    });
  }

  test('a non-stream 200 body that is an error envelope quoting the key is answered and stored without it', async () => {
    harness.upstream.route('/v1/chat/completions', { kind: 'json', body: { error: quotingError } });
    const response = await postJson(harness.apiUrl, '/chat/completions', harness.key, {
      model: 'test/model',
      messages: [{ role: 'user', content: 'hi' }],
    });
    const id = response.headers.get('x-generation-id') ?? '';
    const text = await response.text();
    assert.equal(response.status, 502);
    assert.equal(text.includes(PROVIDER_KEY), false, `the answer holds the key: ${text}`);
    assert.match(text, /Bearer \[redacted\]/);
    const error = await storedError(id);
    assert.match(error.raw ?? '', /Incorrect API key provided: \[redacted\]/);
  });
});
