import type { ProviderConfig } from '../config/config-schema.js';
import { openAICompatibleAdapter } from './openai-compatible/openai-compatible-adapter.js';
import type { ProviderAdapter } from './provider-adapter.js';

/** One adapter per provider kind; adding a kind without an adapter fails to compile. */
export const PROVIDER_ADAPTERS: Record<ProviderConfig['kind'], ProviderAdapter> = {
  openai: openAICompatibleAdapter,
};
