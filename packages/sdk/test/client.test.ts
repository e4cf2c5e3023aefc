/**
 * Every method of `Tollgate` and its standalone twin, against the real gateway on loopback with a
 * fake upstream speaking OpenAI's wire protocol.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  activityGetSummary,
  activityGetUserActivity,
  apiKeysCreate,
  apiKeysDelete,
  apiKeysGet,
  apiKeysGetCurrentKeyMetadata,
  apiKeysList,
  apiKeysUpdate,
  type ChatStreamChunk,
  chatSend,
  completionsGenerate,
  creditsCreateCredits,
  creditsGetCredits,
  creditsListGrants,
  embeddingsGenerate,
  endpointsList,
  generationsGetGeneration,
  generationsList,
  modelsCount,
  modelsGet,
  modelsList,
  NotFoundResponseError,
  providersList,
  RequestAbortedError,
  Tollgate,
  TollgateCore,
} from '../src/index.js';
import {
  CHAT_MODEL,
  EMBED_MODEL,
  embeddingsReply,
  openAIChatCompletion,
  openAIStreamEvents,
  startSdkGateway,
  type TestGateway,
  textCompletionReply,
  textStreamReply,
} from './helpers/sdk-gateway.js';

const messages = [{ role: 'user' as const, content: 'Hello' }];
const GENERATION_ID = /^gen-/;

describe('Tollgate client and standalone functions against the gateway', () => {
  let harness: TestGateway;
  let client: Tollgate;
  let core: TollgateCore;
  before(async () => {
    harness = await startSdkGateway();
    const options = { apiKey: harness.key, serverURL: harness.apiUrl };
    client = new Tollgate(options);
    core = new TollgateCore(options);
  });
  after(() => harness.close());

  test('chat.send returns a camelCase completion and sends camelCase fields as snake_case', async () => {
    harness.upstream.route('/v1/chat/completions', {
      kind: 'json',
      body: openAIChatCompletion({ content: 'Hi there' }),
    });
    const completion = await client.chat.send({ model: CHAT_MODEL, messages, maxTokens: 20 });
    assert.match(completion.id, GENERATION_ID);
    assert.equal(completion.choices[0]?.message.content, 'Hi there');
    assert.equal(completion.choices[0]?.finishReason, 'stop');
    assert.equal(typeof completion.usage.promptTokens, 'number');
    assert.equal(typeof completion.usage.costDetails.upstreamInferencePromptCost, 'number');
    const sent = harness.upstream.requests.at(-1)?.body as Record<string, unknown>;
    assert.equal(sent['max_tokens'], 20);
    assert.equal(sent['maxTokens'], undefined);

    const result = await chatSend(core, { model: CHAT_MODEL, messages });
    assert.ok(result.ok);
    assert.equal(result.value.choices[0]?.message.content, 'Hi there');
  });

  test('chat.send with stream: true yields typed chunks whose usage matches the stored record', async () => {
    harness.upstream.route('/v1/chat/completions', {
      kind: 'sse',
      events: openAIStreamEvents({
        contents: ['Meter', 'ed'],
        usage: { prompt_tokens: 1000, cached_tokens: 300, completion_tokens: 200 },
      }),
    });
    const stream = await client.chat.send({ model: CHAT_MODEL, messages, stream: true });
    assert.match(stream.generationId ?? '', GENERATION_ID);
    const chunks: ChatStreamChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const text = chunks.map((chunk) => chunk.choices[0]?.delta['content'] ?? '').join('');
    assert.equal(text, 'Metered');
    const usage = chunks.at(-1)?.usage;
    assert.ok(usage !== undefined, 'the last chunk carries usage');
    assert.equal(usage.promptTokensDetails.cachedTokens, 300);

    const { data } = await client.generations.getGeneration({ id: stream.generationId ?? '' });
    assert.equal(data.streamed, true);
    assert.equal(data.totalCost, usage.cost);
    assert.equal(data.nativeTokensPrompt, 1000);
    assert.equal(data.nativeTokensCached, 300);
    assert.equal(data.nativeTokensCompletion, 200);
    assert.equal(data.providerName, 'Acme');

    const standalone = await generationsGetGeneration(core, { id: data.id });
    assert.ok(standalone.ok);
    assert.deepEqual(standalone.value.data, data);
  });

  test('a stream stops at abort(), and an aborted signal ends the loop with RequestAbortedError', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    harness.upstream.route('/v1/chat/completions', {
      kind: 'sse',
      events: openAIStreamEvents({ contents: ['first', 'second'], usage: null }),
      gate,
      gateAfter: 2,
    });
    const stream = await client.chat.send({ model: CHAT_MODEL, messages, stream: true });
    const seen: ChatStreamChunk[] = [];
    for await (const chunk of stream) {
      seen.push(chunk);
      if (chunk.choices[0]?.delta['content'] === 'first') stream.abort();
    }
    assert.equal(seen.at(-1)?.choices[0]?.delta['content'], 'first');

    const controller = new AbortController();
    const result = await chatSend(
      core,
      { model: CHAT_MODEL, messages, stream: true },
      { signal: controller.signal },
    );
    assert.ok(result.ok);
    await assert.rejects(async () => {
      for await (const chunk of result.value) {
        if (chunk.choices[0]?.delta['content'] === 'first') controller.abort();
      }
    }, RequestAbortedError);
    release();
  });

  test('completions.generate answers non-stream and stream, as does completionsGenerate', async () => {
    harness.upstream.route('/v1/completions', textCompletionReply('a test'));
    const completion = await client.completions.generate({ model: CHAT_MODEL, prompt: 'This is' });
    assert.equal(completion.object, 'text_completion');
    assert.equal(completion.choices[0]?.text, 'a test');
    assert.equal(completion.usage.completionTokens, 7);

    harness.upstream.route('/v1/completions', textStreamReply(['a ', 'stream']));
    const streamed = await completionsGenerate(core, {
      model: CHAT_MODEL,
      prompt: 'This is',
      stream: true,
    });
    assert.ok(streamed.ok);
    let text = '';
    for await (const chunk of streamed.value) text += chunk.choices[0]?.text ?? '';
    assert.equal(text, 'a stream');
  });

  test('embeddings.generate and embeddingsGenerate return vectors and usage', async () => {
    harness.upstream.route('/v1/embeddings', embeddingsReply(2));
    const response = await client.embeddings.generate({ model: EMBED_MODEL, input: ['a', 'b'] });
    assert.equal(response.data.length, 2);
    assert.deepEqual(response.data[1]?.embedding, [0.25, 0.5, 1]);
    assert.equal(response.usage.promptTokens, 8);
    harness.upstream.route('/v1/embeddings', embeddingsReply(1));
    const result = await embeddingsGenerate(core, { model: EMBED_MODEL, input: 'a' });
    assert.ok(result.ok);
    assert.equal(result.value.object, 'list');
  });

  test('models.list|get|count, endpoints.list and providers.list read the catalog', async () => {
    const list = await client.models.list();
    const ids = list.data.map((model) => model.id).sort();
    assert.deepEqual(ids, [EMBED_MODEL, CHAT_MODEL].sort());
    const paged = await modelsList(core, { outputModalities: 'all', limit: '1' });
    assert.ok(paged.ok);
    assert.equal(paged.value.data.length, 1);
    assert.equal(paged.value.totalCount, 2);

    const model = await client.models.get({ author: 'test', slug: 'model' });
    assert.equal(model.data.id, CHAT_MODEL);
    assert.equal(typeof model.data.topProvider.contextLength !== 'undefined', true);
    const viaFunction = await modelsGet(core, { author: 'test', slug: 'model' });
    assert.ok(viaFunction.ok);
    assert.deepEqual(viaFunction.value, model);

    const count = await client.models.count({ outputModalities: 'all' });
    const countResult = await modelsCount(core, { outputModalities: 'all' });
    assert.ok(countResult.ok);
    assert.equal(count.data.count, 2);
    assert.deepEqual(countResult.value, count);

    const endpoints = await client.endpoints.list({ author: 'test', slug: 'model' });
    assert.equal(endpoints.data.endpoints[0]?.providerName, 'Acme');
    assert.equal(endpoints.data.endpoints[0]?.pricing.prompt, '0.000001');
    const endpointsResult = await endpointsList(core, { author: 'test', slug: 'model' });
    assert.ok(endpointsResult.ok);
    assert.deepEqual(endpointsResult.value, endpoints);

    const providers = await client.providers.list();
    assert.deepEqual(
      providers.data.map((provider) => provider.name),
      ['Acme'],
    );
    const providersResult = await providersList(core);
    assert.ok(providersResult.ok);
    assert.deepEqual(providersResult.value, providers);
  });

  test('credits.createCredits adds credit that credits.getCredits then reports', async () => {
    const before = await client.credits.getCredits();
    const added = await client.credits.createCredits({ amount: 25, note: 'sdk test' });
    assert.equal(added.data.totalCredits, before.data.totalCredits + 25);
    const viaFunction = await creditsGetCredits(core);
    assert.ok(viaFunction.ok);
    assert.equal(viaFunction.value.data.totalCredits, added.data.totalCredits);
    assert.equal(typeof viaFunction.value.data.totalUsage, 'number');
    const more = await creditsCreateCredits(core, { amount: 5 });
    assert.ok(more.ok);
    assert.equal(more.value.data.totalCredits, added.data.totalCredits + 5);
    // The two newest grants (in one millisecond their order falls to the random ids).
    const grants = await client.credits.listGrants({ limit: '2' });
    assert.deepEqual(
      grants.data.map((grant) => [grant.amount, grant.amountExact, grant.note]).sort(),
      [
        [25, '25', 'sdk test'],
        [5, '5', null],
      ],
    );
    const grantsViaFunction = await creditsListGrants(core, { limit: '1' });
    assert.ok(grantsViaFunction.ok);
    assert.deepEqual(grantsViaFunction.value.data, grants.data.slice(0, 1));
  });

  test('apiKeys create, get, list, update, getCurrentKeyMetadata and delete a key', async () => {
    const created = await client.apiKeys.create({ name: 'sdk', limit: 3, limitReset: 'monthly' });
    assert.match(created.key, /^sk-/);
    assert.equal(created.data.name, 'sdk');
    assert.equal(created.data.limit, 3);
    assert.equal(created.data.limitReset, 'monthly');
    const hash = created.data.hash;

    const fetched = await client.apiKeys.get({ hash });
    assert.equal(fetched.data.hash, hash);
    const listed = await client.apiKeys.list();
    assert.ok(listed.data.some((key) => key.hash === hash));

    const updated = await client.apiKeys.update({ hash, name: 'renamed', limit: null });
    assert.equal(updated.data.name, 'renamed');
    assert.equal(updated.data.limit, null);

    const asNewKey = new Tollgate({ apiKey: created.key, serverURL: harness.apiUrl });
    const current = await asNewKey.apiKeys.getCurrentKeyMetadata();
    assert.equal(current.data.isManagementKey, false);
    assert.equal(current.data.label, created.data.label);
    assert.equal(typeof current.data.rateLimit.requests, 'number');

    const deleted = await client.apiKeys.delete({ hash });
    assert.equal(deleted.deleted, true);
    await assert.rejects(client.apiKeys.get({ hash }), NotFoundResponseError);
  });

  test('the apiKeys standalone functions return Results', async () => {
    const created = await apiKeysCreate(core, { name: 'standalone' });
    assert.ok(created.ok);
    const hash = created.value.data.hash;
    const got = await apiKeysGet(core, { hash });
    assert.ok(got.ok);
    const listed = await apiKeysList(core, { includeDisabled: 'true' });
    assert.ok(listed.ok && listed.value.data.some((key) => key.hash === hash));
    const updated = await apiKeysUpdate(core, { hash, disabled: true });
    assert.ok(updated.ok);
    assert.equal(updated.value.data.disabled, true);
    const current = await apiKeysGetCurrentKeyMetadata(core);
    assert.ok(current.ok);
    assert.equal(current.value.data.isManagementKey, true);
    const deleted = await apiKeysDelete(core, { hash });
    assert.ok(deleted.ok);
    const again = await apiKeysDelete(core, { hash });
    assert.equal(again.ok, false);
    assert.ok(again.error instanceof NotFoundResponseError);
  });

  test('falls back to TOLLGATE_API_KEY and TOLLGATE_BASE_URL from the environment', async (t) => {
    const saved = { key: process.env['TOLLGATE_API_KEY'], url: process.env['TOLLGATE_BASE_URL'] };
    t.after(() => {
      for (const [name, value] of [
        ['TOLLGATE_API_KEY', saved.key],
        ['TOLLGATE_BASE_URL', saved.url],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    });
    process.env['TOLLGATE_API_KEY'] = harness.key;
    process.env['TOLLGATE_BASE_URL'] = `${harness.apiUrl}/`;
    const fromEnvironment = new Tollgate();
    assert.equal(fromEnvironment.options.serverURL, harness.apiUrl);
    const current = await fromEnvironment.apiKeys.getCurrentKeyMetadata();
    assert.equal(current.data.isManagementKey, true);
  });

  test('a standalone function returns (never throws) an API error, with the envelope parsed', async () => {
    const result = await generationsGetGeneration(core, {
      id: 'gen-0000000000-AAAAAAAAAAAAAAAAAAAA',
    });
    assert.equal(result.ok, false);
    assert.ok(result.error instanceof NotFoundResponseError);
    assert.equal(result.error.status, 404);
    assert.equal(result.error.error?.code, 404);
    assert.match(result.error.error?.message ?? '', /not found/i);
    assert.match(result.error.body, /"code":404/);
  });
  test('generations.list pages the log and analytics sums it, as methods and standalone', async () => {
    harness.upstream.route('/v1/chat/completions', {
      kind: 'json',
      body: openAIChatCompletion(),
    });
    const made = await client.chat.send({ model: CHAT_MODEL, messages, user: 'sdk-user' });
    const first = await client.generations.list({ limit: '1', externalUser: 'sdk-user' });
    assert.equal(first.data[0]?.id, made.id);
    assert.equal(first.data[0]?.externalUser, 'sdk-user');
    const standalone = await generationsList(core, { externalUser: 'sdk-user' });
    assert.ok(standalone.ok);
    assert.deepEqual(standalone.value.data, first.data);
    assert.equal(standalone.value.nextCursor, null);

    const summary = await client.analytics.getSummary({ groupBy: 'external_user' });
    const row = summary.data.find((each) => each.group === 'sdk-user');
    assert.equal(row?.requests, 1);
    assert.equal(row?.usage, first.data[0]?.usage);
    const result = await activityGetSummary(core, { groupBy: 'model', granularity: 'hour' });
    assert.ok(result.ok);
    assert.equal(result.value.granularity, 'hour');
    // Today is not a completed day: nothing made in this test is in /activity yet.
    const activity = await activityGetUserActivity(core);
    assert.ok(activity.ok);
    assert.ok(Array.isArray(activity.value.data));
  });
});
