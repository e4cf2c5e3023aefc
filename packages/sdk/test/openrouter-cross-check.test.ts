/**
 * Cross-check: the same calls through `@openrouter/sdk` (OpenRouter's official client, pointed at
 * Tollgate) and through ours give the same data, field for field, in the same camelCase names.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { OpenRouter } from '@openrouter/sdk';
import { Tollgate } from '../src/index.js';
import {
  CHAT_MODEL,
  openAIChatCompletion,
  startSdkGateway,
  type TestGateway,
} from './helpers/sdk-gateway.js';

/** A JSON round trip: drops `undefined` and turns Dates into strings, as the wire had them. */
function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

/** Keeps only the keys both objects have (each SDK may add fields the other does not know). */
function common(ours: object, theirs: object): [Record<string, unknown>, Record<string, unknown>] {
  const shared = Object.keys(ours).filter((key) => key in theirs);
  const pick = (source: object) =>
    Object.fromEntries(shared.map((key) => [key, (source as Record<string, unknown>)[key]]));
  return [pick(ours), pick(theirs)];
}

describe('@openrouter/sdk and @tollgate/sdk agree', () => {
  let harness: TestGateway;
  let ours: Tollgate;
  let theirs: OpenRouter;
  before(async () => {
    harness = await startSdkGateway();
    harness.upstream.route('/v1/chat/completions', {
      kind: 'json',
      body: openAIChatCompletion({ content: 'same either way' }),
    });
    ours = new Tollgate({ apiKey: harness.key, serverURL: harness.apiUrl });
    theirs = new OpenRouter({
      apiKey: harness.key,
      serverURL: harness.apiUrl,
      retryConfig: { strategy: 'none' },
    });
  });
  after(() => harness.close());

  test('generations.getGeneration returns the same record', async () => {
    const completion = await ours.chat.send({
      model: CHAT_MODEL,
      messages: [{ role: 'user', content: 'hi' }],
    });
    const mine = await ours.generations.getGeneration({ id: completion.id });
    const official = await theirs.generations.getGeneration({ id: completion.id });
    const [left, right] = common(plain(mine.data) as object, plain(official.data) as object);
    assert.ok(Object.keys(left).length >= 40, `compared ${Object.keys(left).length} fields`);
    assert.deepEqual(left, right);
    assert.equal(mine.data.totalCost, official.data.totalCost);
    assert.equal(mine.data.nativeTokensPrompt, official.data.nativeTokensPrompt);
  });

  test('chat.send returns the same completion', async () => {
    const messages = [{ role: 'user' as const, content: 'hi' }];
    const mine = await ours.chat.send({ model: CHAT_MODEL, messages });
    const official = await theirs.chat.send({
      chatRequest: { model: CHAT_MODEL, messages, stream: false },
    });
    assert.ok(!(official instanceof ReadableStream));
    assert.equal(mine.choices[0]?.message.content, official.choices[0]?.message.content);
    assert.equal(mine.model, official.model);
    assert.equal(mine.usage.promptTokens, official.usage?.promptTokens);
    assert.equal(mine.usage.completionTokens, official.usage?.completionTokens);
    assert.equal(mine.usage.cost, official.usage?.cost);
  });

  test('models.list, providers.list and credits.getCredits return the same data', async () => {
    const [myModels, theirModels] = await Promise.all([ours.models.list(), theirs.models.list()]);
    assert.deepEqual(
      myModels.data.map((model) => [
        model.id,
        model.name,
        model.contextLength,
        model.pricing.prompt,
      ]),
      theirModels.result.data.map((model) => [
        model.id,
        model.name,
        model.contextLength,
        model.pricing.prompt,
      ]),
    );
    const [myProviders, theirProviders] = await Promise.all([
      ours.providers.list(),
      theirs.providers.list(),
    ]);
    assert.deepEqual(
      myProviders.data.map((provider) => [provider.name, provider.slug]),
      theirProviders.data.map((provider) => [provider.name, provider.slug]),
    );
    const [myCredits, theirCredits] = await Promise.all([
      ours.credits.getCredits(),
      theirs.credits.getCredits(),
    ]);
    assert.deepEqual(plain(myCredits.data), plain(theirCredits.data));
  });

  test('apiKeys.getCurrentKeyMetadata returns the same key', async () => {
    const [mine, official] = await Promise.all([
      ours.apiKeys.getCurrentKeyMetadata(),
      theirs.apiKeys.getCurrentKeyMetadata(),
    ]);
    const [left, right] = common(plain(mine.data) as object, plain(official.data) as object);
    assert.ok(Object.keys(left).length >= 10, `compared ${Object.keys(left).length} fields`);
    assert.deepEqual(left, right);
  });
});
