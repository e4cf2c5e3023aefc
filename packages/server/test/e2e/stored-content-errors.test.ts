/**
 * The `error` of stored content: a failed generation keeps the error its client saw and every
 * upstream attempt that failed before it; a generation that succeeded (after fallbacks too) keeps
 * null. Read back with plain fetch against our schema and through the strict `@openrouter/sdk`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type GenerationContentError,
  GenerationContentResponseSchema,
  GenerationRecordSchema,
} from '@tollgate/protocol';
import { type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.js';
import { getGeneration, postJson, readSse } from '../helpers/http.js';
import { openAIChatCompletion, openAIStreamEvents } from '../helpers/openai-fixtures.js';
import { openRouterSdk } from '../helpers/openrouter-clients.js';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

const messages = [{ role: 'user', content: 'fail for me' }];
const pricing = { prompt: '0.000001', completion: '0.000002' };
const CHAT = '/v1/chat/completions';
/** The third provider lives on the first upstream, under its own path. */
const GAMMA_CHAT = '/gamma/v1/chat/completions';

describe('stored content keeps the error of a failed generation', () => {
  let harness: TestGateway;
  let beta: FakeUpstream;
  before(async () => {
    beta = await startFakeUpstream();
    harness = await startTestGateway({
      countTokens: false,
      config: (url) => ({
        store_content: true,
        providers: [
          { name: 'Alpha', kind: 'openai', base_url: `${url}/v1`, api_key: 'sk-alpha-secret' },
          { name: 'Beta Cloud', kind: 'openai', base_url: `${beta.url}/v1` },
          { name: 'Gamma', kind: 'openai', base_url: `${url}/gamma/v1` },
        ],
        models: [
          {
            id: 'test/trio',
            endpoints: [
              { provider: 'Gamma', model: 'gamma-1', pricing },
              { provider: 'Alpha', model: 'alpha-1', pricing },
              { provider: 'Beta Cloud', model: 'beta-1', pricing },
            ],
          },
        ],
      }),
    });
  });
  after(async () => {
    await harness.close();
    await beta.close();
  });

  const order = { order: ['Gamma', 'Alpha', 'Beta Cloud'] };
  const chat = (body: object) =>
    postJson(harness.apiUrl, '/chat/completions', harness.key, {
      model: 'test/trio',
      messages,
      provider: order,
      ...body,
    });

  async function storedError(id: string): Promise<GenerationContentError | null> {
    const response = await fetch(`${harness.apiUrl}/generation/content?id=${id}`, {
      headers: { authorization: `Bearer ${harness.key}` },
    });
    assert.equal(response.status, 200);
    const { data } = GenerationContentResponseSchema.parse(await response.json());
    assert.deepEqual(data.input, { messages });
    // The strict SDK's zod accepts the same answer, whatever the variant.
    const sdk = await openRouterSdk(harness).generations.listGenerationContent({ id });
    assert.deepEqual(sdk.data.input, { messages });
    assert.equal(sdk.data.error?.message ?? null, data.error?.message ?? null);
    assert.equal(sdk.data.error?.previousErrors.length, data.error?.previous_errors.length);
    return data.error;
  }

  test('a non-stream generation whose every endpoint failed keeps the error the client saw, and the attempts before it in order', async () => {
    const betaBody = JSON.stringify({
      error: { message: 'beta down', detail: `xy${'€'.repeat(2000)}` },
    });
    harness.upstream.route(GAMMA_CHAT, { kind: 'destroy' });
    harness.upstream.route(CHAT, { kind: 'json', status: 500, body: { error: { message: 'a' } } });
    beta.route(CHAT, { kind: 'raw', status: 502, body: betaBody });
    const response = await chat({});
    const id = response.headers.get('x-generation-id') ?? '';
    const body = (await response.json()) as { error: { code: number; message: string } };
    assert.equal(response.status, 502);

    const error = await storedError(id);
    assert.ok(error !== null);
    assert.equal(error.message, body.error.message);
    assert.equal(error.status, response.status);
    assert.equal(error.provider_name, 'Beta Cloud');
    // The upstream body, cut to 4 KiB on a character boundary (4096 falls inside a '€').
    assert.ok(error.raw !== null && betaBody.startsWith(error.raw));
    const rawBytes = Buffer.byteLength(error.raw);
    assert.ok(rawBytes <= 4096 && rawBytes > 4096 - 3, `raw is ${rawBytes} bytes`);
    const [unreachable, failed, ...rest] = error.previous_errors;
    assert.equal(rest.length, 0);
    assert.equal(unreachable?.provider_name, 'Gamma');
    assert.equal(unreachable?.code, 502, 'no response: the gateway status for it');
    assert.match(unreachable?.message ?? '', /^Provider unreachable/);
    assert.deepEqual(failed, {
      code: 500,
      message: 'a',
      provider_name: 'Alpha',
      raw: JSON.stringify({ error: { message: 'a' } }),
    });
    assert.doesNotMatch(JSON.stringify(error), /sk-alpha-secret/);

    // The record is as it always was: finish_reason `error`, no error text.
    const record = await getGeneration(harness.apiUrl, harness.key, id);
    const data = GenerationRecordSchema.parse(((await record.json()) as { data: unknown }).data);
    assert.equal(data.finish_reason, 'error');
    assert.equal(data.provider_responses?.length, 3);
    assert.equal('error' in data, false);
  });

  test('a generation that fell back from failing endpoints to one that answered keeps error null', async () => {
    harness.upstream.route(GAMMA_CHAT, { kind: 'json', status: 529, body: { error: {} } });
    harness.upstream.route(CHAT, { kind: 'json', status: 503, body: { error: { message: 'b' } } });
    beta.route(CHAT, { kind: 'json', body: openAIChatCompletion({ content: 'from beta' }) });
    const response = await chat({});
    assert.equal(response.status, 200);
    const { id } = (await response.json()) as { id: string };
    assert.equal(await storedError(id), null);
  });

  test('a stream cut short after its 200 keeps the error chunk the client saw', async () => {
    harness.upstream.route(GAMMA_CHAT, { kind: 'json', status: 500, body: { error: {} } });
    harness.upstream.route(CHAT, {
      kind: 'sse',
      // No finish_reason and no end marker: the upstream closed mid-generation.
      events: openAIStreamEvents({ contents: ['Half ', 'an '] }).slice(0, 3),
    });
    const response = await chat({ stream: true });
    assert.equal(response.status, 200);
    const id = response.headers.get('x-generation-id') ?? '';
    const read = await readSse(response);
    assert.equal(read.done, false);
    const last = read.chunks.at(-1) as { error: { code: number; message: string } };

    const error = await storedError(id);
    assert.deepEqual(error, {
      message: last.error.message,
      status: last.error.code,
      provider_name: 'Alpha',
      raw: null,
      previous_errors: [
        {
          code: 500,
          message: 'Provider returned error',
          provider_name: 'Gamma',
          raw: JSON.stringify({ error: {} }),
        },
      ],
    });
    const content = await fetch(`${harness.apiUrl}/generation/content?id=${id}`, {
      headers: { authorization: `Bearer ${harness.key}` },
    });
    const { data } = GenerationContentResponseSchema.parse(await content.json());
    assert.equal(data.output.completion, 'Half an ');
  });

  test("a stream that the upstream failed with an error event keeps that event's error as raw", async () => {
    harness.upstream.route(GAMMA_CHAT, {
      kind: 'sse',
      events: [
        ...openAIStreamEvents({ contents: ['Some'] }).slice(0, 2),
        { error: { message: 'Overloaded mid-stream', code: 'overloaded' } },
      ],
    });
    const response = await chat({ stream: true });
    const id = response.headers.get('x-generation-id') ?? '';
    const last = (await readSse(response)).chunks.at(-1) as {
      error: { code: number; message: string };
    };
    assert.equal(last.error.message, 'Overloaded mid-stream');
    assert.deepEqual(await storedError(id), {
      message: 'Overloaded mid-stream',
      status: last.error.code,
      provider_name: 'Gamma',
      raw: JSON.stringify({ message: 'Overloaded mid-stream', code: 'overloaded' }),
      previous_errors: [],
    });
  });
});
