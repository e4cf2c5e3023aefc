import type { ProviderCapabilities } from '../provider-adapter.js';

/**
 * What the Gemini adapter translates (see convert-to-gemini-*.ts); anything else an OpenAI
 * client may send is dropped by the translation. Left out: the penalties, `logit_bias` and
 * `logprobs` (not every Gemini model accepts them, and a rejected field fails the whole
 * request) and `parallel_tool_calls` (Gemini has no switch for it).
 */
export const GEMINI_CAPABILITIES: ProviderCapabilities = {
  supportedParameters: [
    'temperature',
    'top_p',
    'top_k',
    'max_tokens',
    'max_completion_tokens',
    'seed',
    'stop',
    'response_format',
    'structured_outputs',
    'tools',
    'tool_choice',
    'reasoning',
    'include_reasoning',
  ],
  toolChoice: { auto: true, function: true, none: true, required: true },
};
