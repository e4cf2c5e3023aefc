/**
 * The real gateway for SDK tests (the server's own test harness, by relative import): the default
 * chat model `test/model` plus an embeddings model `test/embed`, both on one fake upstream.
 */
import {
  defaultTestConfig,
  startTestGateway,
  type TestGateway,
  type TestGatewayOptions,
} from '../../../server/test/helpers/start-test-gateway.js';

export {
  openAIChatCompletion,
  openAIStreamEvents,
} from '../../../server/test/helpers/openai-fixtures.js';
export type { TestGateway };

/** The chat model. */
export const CHAT_MODEL = 'test/model';
/** The embeddings model. */
export const EMBED_MODEL = 'test/embed';

/** The default test config with an embeddings model added. */
export function sdkTestConfig(upstreamUrl: string): unknown {
  const config = defaultTestConfig(upstreamUrl) as { providers: object[]; models: object[] };
  config.models.push({
    id: EMBED_MODEL,
    endpoints: [
      {
        provider: 'Acme',
        model: 'upstream-embed-1',
        pricing: { prompt: '0.00000002', completion: '0' },
      },
    ],
  });
  return config;
}

/** Starts a gateway with {@link sdkTestConfig} (token counting off: faster, same wire). */
export function startSdkGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  return startTestGateway({ countTokens: false, config: sdkTestConfig, ...options });
}

/** An OpenAI `/v1/embeddings` answer with one 3-float vector per input. */
export function embeddingsReply(inputs: number) {
  return {
    kind: 'json' as const,
    body: {
      object: 'list',
      model: 'upstream-embed-1',
      data: Array.from({ length: inputs }, (_item, index) => ({
        object: 'embedding',
        index,
        embedding: [0.25, 0.5, index],
      })),
      usage: { prompt_tokens: 8, total_tokens: 8 },
    },
  };
}

/** OpenAI's legacy `/v1/completions` answer. */
export function textCompletionReply(text: string) {
  return {
    kind: 'json' as const,
    body: {
      id: 'cmpl-fixture',
      object: 'text_completion',
      created: 1_735_689_600,
      model: 'upstream-model-1',
      choices: [{ text, index: 0, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 },
    },
  };
}

/** OpenAI's legacy stream: one chunk per text, a finish chunk, usage, `[DONE]`. */
export function textStreamReply(texts: string[]) {
  const chunk = (text: string, finishReason: string | null) => ({
    id: 'cmpl-fixture',
    object: 'text_completion',
    created: 1_735_689_600,
    model: 'upstream-model-1',
    choices: [{ text, index: 0, logprobs: null, finish_reason: finishReason }],
    usage: null,
  });
  return {
    kind: 'sse' as const,
    events: [
      ...texts.map((text) => chunk(text, null)),
      chunk('', 'stop'),
      {
        ...chunk('', null),
        choices: [],
        usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
      },
      '[DONE]',
    ],
  };
}
