import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChatCompletionSchema, GenerationRecordSchema } from '@tollgate/protocol';
import { createTokenCounter } from '../../src/ledger/count-tokens.js';
import { TokenCountCache } from '../../src/ledger/token-count-cache.js';
import { getGeneration, postJson, readSse } from '../helpers/http.js';
import { openAIChatCompletion, openAIStreamEvents } from '../helpers/openai-fixtures.js';
import { startTestGatewayFor } from '../helpers/start-test-gateway.js';
import { makeWords } from '../helpers/texts.js';

interface Turn {
  /** The record's normalized prompt and completion tokens. */
  recorded: { prompt: number | null; completion: number | null };
  completion: string;
}

test('a long history resent turn after turn is counted from the cache, with identical counts', async (t) => {
  const cache = new TokenCountCache();
  const counter = createTokenCounter({ cache });
  const reference = createTokenCounter({ cache: null });
  t.after(() => Promise.all([counter.close(), reference.close()]));
  const harness = await startTestGatewayFor(t, { tokenCounter: counter });
  await reference.ready();

  const replies = [
    makeWords(3_000, 7),
    `${makeWords(1_200, 8)} 東京 🎉 <|endoftext|>`,
    makeWords(40, 9),
  ];
  const chat = async (messages: unknown[], reply: string, stream: boolean): Promise<Turn> => {
    harness.upstream.route(
      '/v1/chat/completions',
      stream
        ? {
            kind: 'sse',
            events: openAIStreamEvents({ contents: [reply.slice(0, 500), reply.slice(500)] }),
          }
        : { kind: 'json', body: openAIChatCompletion({ content: reply }) },
    );
    const body = { model: 'test/model', messages, stream };
    const response = await postJson(harness.apiUrl, '/chat/completions', harness.key, body);
    assert.equal(response.status, 200);
    const id = stream
      ? String((await readSse(response)).chunks[0]?.['id'])
      : ChatCompletionSchema.parse(await response.json()).id;
    const lookup = await getGeneration(harness.apiUrl, harness.key, id);
    assert.equal(lookup.status, 200);
    const record = GenerationRecordSchema.parse(((await lookup.json()) as { data: unknown }).data);
    return {
      recorded: { prompt: record.tokens_prompt, completion: record.tokens_completion },
      completion: reply,
    };
  };
  const expected = async (messages: unknown[], completion: string) => ({
    prompt: (await reference.countPrompt(messages)).tokens,
    completion: (await reference.countText(completion)).tokens,
  });

  const history: unknown[] = [
    { role: 'system', content: `${makeWords(6_000, 1)}\n${'今日はいい天気ですね。'.repeat(150)}` },
    { role: 'user', content: [{ type: 'text', text: makeWords(20_000, 2) }] },
  ];
  for (const [turn, reply] of replies.entries()) {
    const messages = [...history];
    const result = await chat(messages, reply, turn === 1);
    assert.deepEqual(result.recorded, await expected(messages, reply), `turn ${turn + 1}`);
    history.push({ role: 'assistant', content: result.completion });
    history.push({ role: 'user', content: `Question ${turn + 2}: ${makeWords(30, turn)}` });
  }
  // Turn 2 resent the system and user texts and turn 1's long reply (counted as a completion);
  // turn 3 resent those and turn 2's long reply.
  assert.equal(cache.hits, 3 + 4);
});
