import type { ChatChoice, ChatChunkChoice, ChatCompletionRequest } from '@tollgate/protocol';
import type { UpstreamError } from '../errors/gateway-error.js';

/** Token usage as an upstream reported it, in OpenRouter's conventions (prompt ⊇ cached). */
export interface NativeUsage {
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  completionImageTokens: number;
  audioPromptTokens: number;
  /** A cost the upstream itself reported (USD), kept beside ours; null when it reports none. */
  reportedCostUsd: number | null;
}

/** An HTTP request to send upstream (relative to the provider's base URL). */
export interface UpstreamCall {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** A non-stream completion translated to OpenRouter's choice shape. */
export interface UpstreamCompletion {
  upstreamId: string | null;
  choices: ChatChoice[];
  usage: NativeUsage | null;
  systemFingerprint: string | null;
  serviceTier: string | null;
}

/** One stream event translated to OpenRouter's chunk-choice shape. */
export interface UpstreamChunk {
  upstreamId: string | null;
  choices: ChatChunkChoice[];
  usage: NativeUsage | null;
  systemFingerprint: string | null;
  serviceTier: string | null;
}

/** Provider settings an adapter needs to build requests. */
export interface AdapterSettings {
  providerName: string;
  apiKey: string | undefined;
  headers: Record<string, string> | undefined;
}

/**
 * A pure translator between OpenRouter's wire shapes and one upstream protocol: no I/O, no
 * routing, no retries, no billing.
 */
export interface ProviderAdapter {
  readonly kind: string;
  buildChatRequest(
    request: ChatCompletionRequest,
    upstreamModel: string,
    settings: AdapterSettings,
  ): UpstreamCall;
  parseChatResponse(body: unknown, settings: AdapterSettings): UpstreamCompletion;
  /**
   * A parser for one stream (it may keep state across events, e.g. usage split over several
   * events). Each call takes one SSE `data:` payload and returns a chunk, `done` for the end
   * marker, or `skip` for events that carry nothing for the client.
   */
  createStreamParser(settings: AdapterSettings): (data: string) => UpstreamChunk | 'done' | 'skip';
  toUpstreamError(
    status: number,
    bodyText: string,
    headers: Record<string, string | string[] | undefined>,
    settings: AdapterSettings,
  ): UpstreamError;
}
