import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ChatCompletionRequest } from '@tollgate/protocol';
import { GatewayError } from '../../src/errors/gateway-error.js';
import { CHAT_API } from '../../src/generation/apis/chat.js';
import { GenerationPipeline, type GenerationRequest } from '../../src/generation/pipeline.js';
import type { ResponseSink } from '../../src/generation/response-sink.js';
import { CancelSignal } from '../../src/providers/cancel-signal.js';
import type { ApiKeyRow } from '../../src/storage/storage.js';
import { getGeneration } from '../helpers/http.js';
import { openAIChatCompletion, openAIStreamEvents } from '../helpers/openai-fixtures.js';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

/** What a sink was given, in order. */
interface Captured {
  id: string | null;
  json: string | null;
  opened: boolean;
  events: string[];
  ended: string | null | undefined;
  destroyed: boolean;
}

/**
 * A sink with no HTTP at all: the pipeline must run on it alone. `acceptEvents` events are taken,
 * then the client is "gone" (the next write says so and `gone` aborts).
 */
function memorySink(acceptEvents = Number.POSITIVE_INFINITY): {
  sink: ResponseSink;
  captured: Captured;
} {
  const gone = new CancelSignal();
  const captured: Captured = {
    id: null,
    json: null,
    opened: false,
    events: [],
    ended: null,
    destroyed: false,
  };
  const sink: ResponseSink = {
    gone,
    exposeId: (id) => {
      captured.id = id;
    },
    json: (body) => {
      captured.json = body;
    },
    openStream: () => {
      captured.opened = true;
    },
    event: async (data) => {
      if (captured.events.length >= acceptEvents) {
        gone.abort();
        return false;
      }
      captured.events.push(data);
      return true;
    },
    end: (final) => {
      captured.ended = final;
    },
    destroy: () => {
      captured.destroyed = true;
    },
    get destroyed() {
      return captured.destroyed;
    },
  };
  return { sink, captured };
}

describe('the generation pipeline runs without the HTTP framework', () => {
  let harness: TestGateway;
  let pipeline: GenerationPipeline;
  let key: ApiKeyRow;
  const request = (body: ChatCompletionRequest): GenerationRequest<ChatCompletionRequest> => ({
    key,
    body,
    httpReferer: 'https://app.example',
    userAgent: 'pipeline-test',
    sessionId: null,
  });
  const messages = [{ role: 'user' as const, content: 'hello' }];

  before(async () => {
    harness = await startTestGateway();
    const { context } = harness.gateway;
    pipeline = new GenerationPipeline(context);
    key = (await context.authenticator.authenticate(`Bearer ${harness.key}`)).key;
  });
  after(() => harness.close());

  test('a non-stream chat: one JSON body whose usage.cost is the committed record', async () => {
    harness.upstream.route('/v1/chat/completions', {
      kind: 'json',
      body: openAIChatCompletion({ usage: { prompt_tokens: 12, completion_tokens: 7 } }),
    });
    const { sink, captured } = memorySink();
    await pipeline.run(CHAT_API, request({ model: 'test/model', messages }), sink);
    assert.equal(captured.opened, false);
    const body = JSON.parse(captured.json ?? 'null') as { id: string; usage: { cost: number } };
    assert.equal(body.id, captured.id);
    // Read back at once, through HTTP: committed before the body was handed to the sink.
    const response = await getGeneration(harness.apiUrl, harness.key, body.id);
    assert.equal(response.status, 200);
    const record = ((await response.json()) as { data: Record<string, unknown> }).data;
    assert.equal(record['total_cost'], body.usage.cost);
    assert.equal(record['native_tokens_prompt'], 12);
    assert.equal(record['http_referer'], 'https://app.example');
    assert.equal(record['user_agent'], 'pipeline-test');
    assert.equal(record['streamed'], false);
  });

  test('a stream: chunks, one usage chunk, then [DONE]; the record is committed first', async () => {
    harness.upstream.route('/v1/chat/completions', {
      kind: 'sse',
      events: openAIStreamEvents({ contents: ['Hel', 'lo'] }),
    });
    const { sink, captured } = memorySink();
    await pipeline.run(CHAT_API, request({ model: 'test/model', messages, stream: true }), sink);
    assert.equal(captured.opened, true);
    assert.equal(captured.ended, 'data: [DONE]\n\n');
    const chunks = captured.events.map((data) => JSON.parse(data) as Record<string, unknown>);
    assert.ok(chunks.every((chunk) => chunk['id'] === captured.id));
    const usage = chunks.at(-1)?.['usage'] as { cost: number };
    const response = await getGeneration(harness.apiUrl, harness.key, captured.id ?? '');
    const record = ((await response.json()) as { data: Record<string, unknown> }).data;
    assert.equal(record['streamed'], true);
    assert.equal(record['cancelled'], false);
    assert.equal(record['total_cost'], usage.cost);
  });

  test('a client gone mid-stream leaves a cancelled record and a destroyed sink', async () => {
    harness.upstream.route('/v1/chat/completions', {
      kind: 'sse',
      events: openAIStreamEvents({ contents: ['one', 'two', 'three', 'four'] }),
    });
    const { sink, captured } = memorySink(2);
    await pipeline.run(CHAT_API, request({ model: 'test/model', messages, stream: true }), sink);
    assert.equal(captured.destroyed, true);
    assert.equal(captured.ended, null);
    const response = await getGeneration(harness.apiUrl, harness.key, captured.id ?? '');
    const record = ((await response.json()) as { data: Record<string, unknown> }).data;
    assert.equal(record['cancelled'], true);
  });

  test('a request refused before dispatch rejects with the envelope error and exposes no id', async () => {
    const { sink, captured } = memorySink();
    await assert.rejects(
      pipeline.run(CHAT_API, request({ model: 'nobody/none', messages }), sink),
      (error: unknown) => GatewayError.is(error) && error.status === 404,
    );
    assert.equal(captured.id, null);
    assert.equal(captured.json, null);
  });
});
