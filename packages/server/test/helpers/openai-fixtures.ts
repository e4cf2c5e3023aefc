/**
 * Builders for OpenAI Chat Completions wire bodies, shaped exactly as api.openai.com sends them
 * (`/v1/chat/completions`, non-stream and `stream: true` with `stream_options.include_usage`).
 */

/** Token counts for a fixture; missing fields take the defaults documented on each builder. */
export type OpenAIUsageOptions = Partial<{
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  reasoning_tokens: number;
}>;

/** OpenAI's `usage` object. */
export interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
  completion_tokens_details: { reasoning_tokens: number };
}

/** OpenAI's non-stream `chat.completion` body. */
export interface OpenAIChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  system_fingerprint: string;
  choices: Array<{
    index: number;
    message: { role: 'assistant'; content: string; refusal: null };
    logprobs: null;
    finish_reason: string;
  }>;
  usage?: OpenAIUsage;
}

/** One OpenAI `chat.completion.chunk` stream event. */
export interface OpenAIChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  system_fingerprint: string;
  choices: Array<{
    index: number;
    delta: { role?: 'assistant'; content?: string };
    logprobs: null;
    finish_reason: string | null;
  }>;
  usage?: OpenAIUsage | null;
}

/** Options shared by both builders. */
interface CommonOptions {
  model?: string;
  finishReason?: string;
  /** `null` leaves usage out entirely; defaults to 10 prompt and 20 completion tokens. */
  usage?: OpenAIUsageOptions | null;
  id?: string;
}

const FIXTURE_CREATED = 1_735_689_600;
const DEFAULT_MODEL = 'gpt-4o-mini-2024-07-18';
const DEFAULT_ID = 'chatcmpl-fixture0123456789abcdef';
const SYSTEM_FINGERPRINT = 'fp_fixture';

/** Builds OpenAI's `usage` object; `total_tokens` is always prompt + completion. */
export function openAIUsage(options: OpenAIUsageOptions = {}): OpenAIUsage {
  const promptTokens = options.prompt_tokens ?? 10;
  const completionTokens = options.completion_tokens ?? 20;
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: options.cached_tokens ?? 0 },
    completion_tokens_details: { reasoning_tokens: options.reasoning_tokens ?? 0 },
  };
}

/** Builds a non-stream `chat.completion` body with one assistant choice. */
export function openAIChatCompletion(
  options: CommonOptions & { content?: string } = {},
): OpenAIChatCompletion {
  const completion: OpenAIChatCompletion = {
    id: options.id ?? DEFAULT_ID,
    object: 'chat.completion',
    created: FIXTURE_CREATED,
    model: options.model ?? DEFAULT_MODEL,
    system_fingerprint: SYSTEM_FINGERPRINT,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: options.content ?? 'Hello from the fake upstream.',
          refusal: null,
        },
        logprobs: null,
        finish_reason: options.finishReason ?? 'stop',
      },
    ],
  };
  if (options.usage !== null) completion.usage = openAIUsage(options.usage);
  return completion;
}

/** A non-stream legacy `text_completion` body: one choice of `text`, one token each way. */
export function openAITextCompletion(text: string): Record<string, unknown> {
  return {
    id: 'cmpl-1',
    object: 'text_completion',
    created: 1,
    model: 'upstream-model-1',
    choices: [{ index: 0, text, finish_reason: 'stop', logprobs: null }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  };
}

/**
 * Builds the `data:` payloads of a stream: role chunk, one chunk per content, finish chunk, usage
 * chunk (`choices: []`, unless `usage` is `null`) and `'[DONE]'`. As OpenAI does when
 * `include_usage` is on, every chunk before the usage chunk then carries `usage: null`.
 */
export function openAIStreamEvents(
  options: CommonOptions & { contents: string[] },
): Array<OpenAIChatCompletionChunk | string> {
  const includeUsage = options.usage !== null;
  const chunk = (
    delta: OpenAIChatCompletionChunk['choices'][number]['delta'],
    finishReason: string | null,
  ): OpenAIChatCompletionChunk => ({
    id: options.id ?? DEFAULT_ID,
    object: 'chat.completion.chunk',
    created: FIXTURE_CREATED,
    model: options.model ?? DEFAULT_MODEL,
    system_fingerprint: SYSTEM_FINGERPRINT,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...(includeUsage ? { usage: null } : {}),
  });
  const events: Array<OpenAIChatCompletionChunk | string> = [
    chunk({ role: 'assistant', content: '' }, null),
    ...options.contents.map((content) => chunk({ content }, null)),
    chunk({}, options.finishReason ?? 'stop'),
  ];
  if (options.usage !== null) {
    events.push({ ...chunk({}, null), choices: [], usage: openAIUsage(options.usage) });
  }
  events.push('[DONE]');
  return events;
}
