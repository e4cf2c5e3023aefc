import type { ProviderConfig } from '../config/config-schema.js';
import { anthropicAdapter } from './anthropic/anthropic-adapter.js';
import { geminiAdapter } from './gemini/gemini-adapter.js';
import { openAICompatibleAdapter } from './openai-compatible/openai-compatible-adapter.js';
import type { ProviderAdapter } from './provider-adapter.js';

/** One adapter per provider kind; adding a kind without an adapter fails to compile. */
export const PROVIDER_ADAPTERS: Record<ProviderConfig['kind'], ProviderAdapter> = {
  openai: openAICompatibleAdapter,
  anthropic: anthropicAdapter,
  gemini: geminiAdapter,
};
