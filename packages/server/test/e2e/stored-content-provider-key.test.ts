/**
 * An upstream that quotes the provider key it was sent inside a 200 — a stream's error event, a
 * non-stream body that is an error envelope, the `error` of any choice that finished with `error`
 * — has the key cut out as from an HTTP error body: it reaches neither the client, nor stored
 * content, nor the logs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { GenerationContentResponseSchema } from '@tollgate/protocol';
import { type CapturedLogs, captureLogs } from '../helpers/captured-logs.js';
import { postJson, readSse } from '../helpers/http.js';
import { openAIChatCompletion, openAIStreamEvents } from '../helpers/openai-fixtures.js';
import { fetchRecord, openRouterSdk } from '../helpers/openrouter-clients.js';
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
/** {@link quotingError} as the client and stored content are to see it. */
const redactedQuotingError = {
  ...quotingError,
  message: 'Incorrect API key provided: [redacted]. Rotate it.',
  param: { sent: 'Bearer [redacted]' },
};
/** OpenRouter's `choices[].error` of a choice that failed, quoting the key. */
const quotingChoiceError = { code: 502, message: `Upstream refused ${PROVIDER_KEY}` };
const redactedChoiceError = { code: 502, message: 'Upstream refused [redacted]' };

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

  /** Stored content, read with plain fetch and through the strict SDK: neither holds the key. */
  async function storedContent(id: string) {
    const response = await fetch(`${harness.apiUrl}/generation/content?id=${id}`, {
      headers: { authorization: `Bearer ${harness.key}` },
    });
    assert.equal(response.status, 200);
    const text = await response.text();
    assert.equal(text.includes(PROVIDER_KEY), false, `stored content holds the key: ${text}`);
    const { data } = GenerationContentResponseSchema.parse(JSON.parse(text));
    const sdk = await openRouterSdk(harness).generations.listGenerationContent({ id });
    assert.equal(JSON.stringify(sdk).includes(PROVIDER_KEY), false, 'the SDK read the key');
    assert.equal(sdk.data.error?.raw, data.error?.raw);
    assert.equal(sdk.data.output.completion, data.output.completion);
    return data;
  }

  /** The stored content's error, which a failed generation keeps. */
  async function storedError(id: string): Promise<{ message: string | null; raw: string | null }> {
    const { error } = await storedContent(id);
    assert.ok(error !== null, 'a failed generation keeps its error');
    return error;
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
      assert.deepEqual(last.error.metadata.raw, redactedQuotingError);

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

  test('chat, non-stream, two choices: the error of the second, quoting the key, is answered without it', async () => {
    // The gateway accepts only `n: 1`; an upstream may still send more than one choice.
    const body = openAIChatCompletion({ content: 'First' });
    const first = body.choices[0];
    assert.ok(first !== undefined);
    harness.upstream.route('/v1/chat/completions', {
      kind: 'json',
      body: {
        ...body,
        choices: [
          first,
          {
            ...first,
            index: 1,
            message: { ...first.message, content: 'Sec' },
            finish_reason: 'error',
            error: quotingChoiceError,
          },
        ],
      },
    });
    const response = await postJson(harness.apiUrl, '/chat/completions', harness.key, {
      model: 'test/model',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(response.status, 200);
    const text = await response.text();
    assert.equal(text.includes(PROVIDER_KEY), false, `the answer holds the key: ${text}`);
    const answer = JSON.parse(text) as { id: string; choices: Array<{ error?: unknown }> };
    assert.equal(answer.choices[0]?.error, undefined);
    assert.deepEqual(answer.choices[1]?.error, redactedChoiceError);
    // The record follows the first choice, which finished normally: no stored error.
    assert.equal((await fetchRecord(harness, answer.id)).finish_reason, 'stop');
    const stored = await storedContent(answer.id);
    assert.equal(stored.output.completion, 'FirstSec');
    assert.equal(stored.error, null);
  });

  test('legacy completions, two prompts, both failing: the error of every choice is answered without the key, the first stored', async () => {
    harness.upstream.route('/v1/completions', {
      kind: 'json',
      body: {
        id: 'cmpl-2',
        object: 'text_completion',
        created: 1_700_000_000,
        model: 'm-1',
        choices: [
          { index: 0, text: 'One', finish_reason: 'error', error: quotingError },
          { index: 1, text: 'Two', finish_reason: 'error', error: quotingChoiceError },
        ],
      },
    });
    const response = await postJson(harness.apiUrl, '/completions', harness.key, {
      model: 'test/model',
      prompt: ['first', 'second'],
    });
    assert.equal(response.status, 200);
    const text = await response.text();
    assert.equal(text.includes(PROVIDER_KEY), false, `the answer holds the key: ${text}`);
    const answer = JSON.parse(text) as { id: string; choices: Array<{ error?: unknown }> };
    assert.deepEqual(
      answer.choices.map((choice) => choice.error),
      [redactedQuotingError, redactedChoiceError],
    );
    const error = await storedError(answer.id);
    assert.equal(error.message, redactedQuotingError.message);
    assert.equal(error.raw, JSON.stringify(redactedQuotingError));
  });
});
