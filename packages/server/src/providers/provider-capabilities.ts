import { PROVIDER_KINDS, type ProviderConfig } from '../config/config-schema.js';
import { GEMINI_CAPABILITIES } from './gemini/gemini-capabilities.js';
import type { ProviderCapabilities } from './provider-adapter.js';

/**
 * Capabilities per provider kind; a new kind without an entry fails to compile. For `openai`:
 * the Chat Completions parameters the adapter forwards untouched. Left out: `reasoning` and
 * `include_reasoning` (the gateway drops them), `structured_outputs` (json_schema support varies
 * across OpenAI-compatible servers) and sampling knobs OpenAI does not define (`top_k`, `min_p`).
 */
export const PROVIDER_CAPABILITIES: Record<ProviderConfig['kind'], ProviderCapabilities> = {
  openai: {
    supportedParameters: [
      'temperature',
      'top_p',
      'frequency_penalty',
      'presence_penalty',
      'max_tokens',
      'max_completion_tokens',
      'logit_bias',
      'logprobs',
      'top_logprobs',
      'seed',
      'response_format',
      'stop',
      'tools',
      'tool_choice',
      'parallel_tool_calls',
    ],
    toolChoice: { auto: true, function: true, none: true, required: true },
  },
  // The fields the Anthropic adapter translates (see providers/anthropic/anthropic-adapter.ts);
  // everything else an OpenAI client may send is dropped by the translation.
  anthropic: {
    supportedParameters: [
      'temperature',
      'top_p',
      'top_k',
      'max_tokens',
      'max_completion_tokens',
      'stop',
      'tools',
      'tool_choice',
      'parallel_tool_calls',
    ],
    toolChoice: { auto: true, function: true, none: true, required: true },
  },
  gemini: GEMINI_CAPABILITIES,
};

/** The capabilities of a provider kind (kinds are validated by the config schema). */
export function capabilitiesOf(kind: string): ProviderCapabilities {
  const known = PROVIDER_KINDS.find((candidate) => candidate === kind);
  if (known === undefined) throw new Error(`no capabilities known for provider kind "${kind}"`);
  return PROVIDER_CAPABILITIES[known];
}
