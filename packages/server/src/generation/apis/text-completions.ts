import type {
  TextCompletion,
  TextCompletionChunkChoice,
  TextCompletionRequest,
} from '@tollgate/protocol';
import type { TextCompletionSupport } from '../../providers/provider-adapter.js';
import type { ModelEndpoint } from '../../routing/model-catalog.js';
import type { GenerationApi } from '../generation-api.js';
import type { StreamCodec } from '../stream-relay.js';
import { producesText } from './chat.js';
import { completionOutcome } from './completion-outcome.js';

/** The endpoint's legacy-completions support (candidates without it were never selected). */
function textCompletionsOf(endpoint: ModelEndpoint): TextCompletionSupport {
  const support = endpoint.provider.adapter.textCompletions;
  if (support === undefined) {
    throw new Error(`provider kind ${endpoint.provider.kind} has no legacy completions`);
  }
  return support;
}

/** How a legacy completion stream is read upstream and written out. */
const TEXT_COMPLETION_STREAM: StreamCodec<TextCompletionChunkChoice> = {
  object: 'text_completion',
  createParser: (endpoint) =>
    textCompletionsOf(endpoint).createStreamParser(endpoint.provider.settings),
  textOf: (choice) => choice.text,
  errorChoice: { index: 0, text: '', finish_reason: 'error' },
};

/** The request's prompts: one completion each. */
const promptsOf = (body: TextCompletionRequest): string[] =>
  typeof body.prompt === 'string' ? [body.prompt] : body.prompt;

/**
 * `POST /completions` in the pipeline: OpenRouter's legacy text completions (`prompt`, one
 * completion per prompt), non-stream and stream, metered as `api_type: "completions"`. Only
 * endpoints whose protocol has text completions (OpenAI-compatible ones) serve it.
 */
export const TEXT_COMPLETIONS_API: GenerationApi<TextCompletionRequest, TextCompletionChunkChoice> =
  {
    serves: (endpoint, model) =>
      endpoint.provider.adapter.textCompletions !== undefined && producesText(model),
    meterFields: (body) => ({
      model: body.model,
      streamed: body.stream === true,
      apiType: 'completions',
      plainPrompt: { texts: promptsOf(body) },
      externalUser: body.user ?? null,
      sessionId: body.session_id,
    }),
    costShape: (body) => ({
      requestedOutput: body.max_tokens ?? null,
      outputs: promptsOf(body).length,
      promptImages: 0,
      promptMedia: 0,
      hasTools: false,
      extraOutputTokens: 0n,
    }),
    buildCall: (body, { endpoint }) =>
      textCompletionsOf(endpoint).buildRequest(
        body,
        endpoint.upstreamModel,
        endpoint.provider.settings,
      ),
    streamOf: (body) => (body.stream === true ? TEXT_COMPLETION_STREAM : null),
    read(json, { endpoint }) {
      const completion = textCompletionsOf(endpoint).parseResponse(
        json,
        endpoint.provider.settings,
      );
      const text = completion.choices.map((choice) => choice.text).join('');
      return {
        outcome: completionOutcome(completion, text, endpoint),
        respond: (served, finished): TextCompletion => ({
          id: served.id,
          object: 'text_completion',
          created: served.created,
          model: served.model,
          provider: served.provider,
          system_fingerprint: completion.systemFingerprint,
          choices: completion.choices,
          usage: finished.usage,
        }),
      };
    },
  };
