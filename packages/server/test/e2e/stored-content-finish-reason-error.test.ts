/**
 * A generation the upstream ended normally but with finish_reason `error` — no error event,
 * nothing thrown — keeps an `error` in its stored content, as every generation whose record says
 * finish_reason `error` does: what the upstream said of it in the choice's `error`, else a message
 * naming the finish reason. Streamed and not, chat and legacy completions; read back through the
 * strict `@openrouter/sdk`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type GenerationContentError, GenerationContentResponseSchema } from '@tollgate/protocol';
import { postJson, readSse } from '../helpers/http.js';
import { openAIChatCompletion, openAIStreamEvents } from '../helpers/openai-fixtures.js';
import { fetchRecord, openRouterSdk } from '../helpers/openrouter-clients.js';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

const PROVIDER_KEY = 'sk-live-provider-5d1e8a0b73c4f9';
const pricing = { prompt: '0.000001', completion: '0.000002' };
const GENERIC = 'The provider ended the generation with finish_reason "error"';
/** OpenRouter's `choices[].error` of a choice that failed after output started. */
const choiceError = {
  code: 502,
  message: `Model crashed while serving ${PROVIDER_KEY}`,
  metadata: { error_type: 'server' },
};
const redactedChoiceError = { ...choiceError, message: 'Model crashed while serving [redacted]' };
const messages = [{ role: 'user', content: 'fail late' }];

/** A legacy completions body (or stream chunk) with one choice. */
function textCompletion(choice: object, object = 'text_completion'): object {
  return { id: 'cmpl-1', object, created: 1_700_000_000, model: 'm-1', choices: [choice] };
}

describe('stored content of a generation that ended with finish_reason error', () => {
  let harness: TestGateway;
  before(async () => {
    harness = await startTestGateway({
      countTokens: false,
      config: (url) => ({
        store_content: true,
        providers: [
          { name: 'Acme', kind: 'openai', base_url: `${url}/v1`, api_key: PROVIDER_KEY },
          { name: 'Flaky', kind: 'openai', base_url: `${url}/flaky/v1` },
        ],
        models: [
          { id: 'test/model', endpoints: [{ provider: 'Acme', model: 'm-1', pricing }] },
          {
            id: 'test/fallback',
            endpoints: [
              { provider: 'Flaky', model: 'f-1', pricing },
              { provider: 'Acme', model: 'm-1', pricing },
            ],
          },
        ],
      }),
    });
  });
  after(() => harness.close());

  /** Stored content (plain fetch, our schema, then the strict SDK): its output and error. */
  async function stored(
    id: string,
  ): Promise<{ completion: string; error: GenerationContentError }> {
    const record = await fetchRecord(harness, id);
    assert.equal(record.finish_reason, 'error');
    const response = await fetch(`${harness.apiUrl}/generation/content?id=${id}`, {
      headers: { authorization: `Bearer ${harness.key}` },
    });
    assert.equal(response.status, 200);
    const text = await response.text();
    assert.equal(text.includes(PROVIDER_KEY), false, `stored content holds the key: ${text}`);
    const { data } = GenerationContentResponseSchema.parse(JSON.parse(text));
    assert.ok(data.error !== null, 'finish_reason error keeps an error');
    const sdk = await openRouterSdk(harness).generations.listGenerationContent({ id });
    assert.deepEqual(sdk.data.error, {
      message: data.error.message,
      status: data.error.status,
      providerName: data.error.provider_name,
      raw: data.error.raw,
      previousErrors: data.error.previous_errors.map(({ provider_name, ...attempt }) => ({
        ...attempt,
        providerName: provider_name,
      })),
    });
    return { completion: data.output.completion, error: data.error };
  }

  test('chat, non-stream, with a choice error: its message and code, the key cut out for the client too', async () => {
    const body = openAIChatCompletion({ content: 'Partial', finishReason: 'error' });
    harness.upstream.route('/v1/chat/completions', {
      kind: 'json',
      body: { ...body, choices: [{ ...body.choices[0], error: choiceError }] },
    });
    const response = await postJson(harness.apiUrl, '/chat/completions', harness.key, {
      model: 'test/model',
      messages,
    });
    assert.equal(response.status, 200);
    const answer = (await response.json()) as { id: string; choices: Array<{ error: unknown }> };
    assert.deepEqual(answer.choices[0]?.error, redactedChoiceError);
    const { completion, error } = await stored(answer.id);
    assert.equal(completion, 'Partial');
    assert.deepEqual(error, {
      message: redactedChoiceError.message,
      status: 502,
      provider_name: 'Acme',
      raw: JSON.stringify(redactedChoiceError),
      previous_errors: [],
    });
  });

  test('chat, non-stream, after a fallback, with no choice error: a generic message, no status, the attempt before', async () => {
    harness.upstream.route('/flaky/v1/chat/completions', {
      kind: 'json',
      status: 503,
      body: { error: { message: 'flaky down' } },
    });
    harness.upstream.route('/v1/chat/completions', {
      kind: 'json',
      body: openAIChatCompletion({ content: 'Half', finishReason: 'error' }),
    });
    const response = await postJson(harness.apiUrl, '/chat/completions', harness.key, {
      model: 'test/fallback',
      messages,
      provider: { order: ['Flaky', 'Acme'] },
    });
    assert.equal(response.status, 200);
    const { id } = (await response.json()) as { id: string };
    const { error } = await stored(id);
    assert.deepEqual(error, {
      message: GENERIC,
      status: null,
      provider_name: 'Acme',
      raw: null,
      previous_errors: [
        {
          code: 503,
          message: 'flaky down',
          provider_name: 'Flaky',
          raw: JSON.stringify({ error: { message: 'flaky down' } }),
        },
      ],
    });
  });

  test('chat, stream, ending with finish_reason error and [DONE]: a generic message, the stream unchanged', async () => {
    harness.upstream.route('/v1/chat/completions', {
      kind: 'sse',
      events: openAIStreamEvents({ contents: ['Half ', 'way'], finishReason: 'error' }),
    });
    const response = await postJson(harness.apiUrl, '/chat/completions', harness.key, {
      model: 'test/model',
      messages,
      stream: true,
    });
    const id = response.headers.get('x-generation-id') ?? '';
    const read = await readSse(response);
    assert.equal(read.done, true);
    assert.equal(
      read.chunks.some((chunk) => 'error' in chunk),
      false,
    );
    const { completion, error } = await stored(id);
    assert.equal(completion, 'Half way');
    assert.deepEqual(error, {
      message: GENERIC,
      status: null,
      provider_name: 'Acme',
      raw: null,
      previous_errors: [],
    });
  });

  test('chat, stream, whose finishing choice carries an error: its message and code, the key cut out of the chunk sent', async () => {
    const events: Array<string | object> = openAIStreamEvents({
      contents: ['Half'],
      finishReason: 'error',
    });
    const finishing = events[2] as { choices: object[] };
    events[2] = { ...finishing, choices: [{ ...finishing.choices[0], error: choiceError }] };
    harness.upstream.route('/v1/chat/completions', { kind: 'sse', events });
    const response = await postJson(harness.apiUrl, '/chat/completions', harness.key, {
      model: 'test/model',
      messages,
      stream: true,
    });
    const id = response.headers.get('x-generation-id') ?? '';
    const read = await readSse(response);
    assert.equal(read.text.includes(PROVIDER_KEY), false, `the stream holds the key: ${read.text}`);
    assert.match(read.text, /Model crashed while serving \[redacted\]/);
    const { error } = await stored(id);
    assert.equal(error.message, redactedChoiceError.message);
    assert.equal(error.status, 502);
    assert.equal(error.raw, JSON.stringify(redactedChoiceError));
  });

  test('legacy completions, non-stream and stream: the same error as chat', async () => {
    harness.upstream.route('/v1/completions', {
      kind: 'json',
      body: textCompletion({ index: 0, text: 'Par', finish_reason: 'error', error: choiceError }),
    });
    const plain = await postJson(harness.apiUrl, '/completions', harness.key, {
      model: 'test/model',
      prompt: 'fail late',
    });
    assert.equal(plain.status, 200);
    const { id } = (await plain.json()) as { id: string };
    const nonStream = await stored(id);
    assert.equal(nonStream.completion, 'Par');
    assert.equal(nonStream.error.message, redactedChoiceError.message);
    assert.equal(nonStream.error.status, 502);

    harness.upstream.route('/v1/completions', {
      kind: 'sse',
      events: [
        textCompletion({ index: 0, text: 'Par', finish_reason: null }),
        // A native reason that maps to `error` is named in the message.
        textCompletion({ index: 0, text: '', finish_reason: 'ERROR' }),
        '[DONE]',
      ],
    });
    const streamed = await postJson(harness.apiUrl, '/completions', harness.key, {
      model: 'test/model',
      prompt: 'fail late',
      stream: true,
    });
    const streamedId = streamed.headers.get('x-generation-id') ?? '';
    assert.equal((await readSse(streamed)).done, true);
    const { error } = await stored(streamedId);
    assert.deepEqual(error, {
      message: `${GENERIC} (native_finish_reason "ERROR")`,
      status: null,
      provider_name: 'Acme',
      raw: null,
      previous_errors: [],
    });
  });
});
