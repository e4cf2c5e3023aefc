import type {
  ChatChoice,
  ChatChunkChoice,
  ChatCompletionRequest,
  EmbeddingsRequest,
  EmbeddingVector,
  ModelParameter,
  TextCompletionChoice,
  TextCompletionChunkChoice,
  TextCompletionRequest,
  ToolChoiceSupport,
} from '@tollgate/protocol';
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

/** A non-stream completion translated to OpenRouter's choice shape (chat, or legacy text). */
export interface UpstreamCompletion<Choice = ChatChoice> {
  upstreamId: string | null;
  choices: Choice[];
  usage: NativeUsage | null;
  systemFingerprint: string | null;
  serviceTier: string | null;
}

/** One stream event translated to OpenRouter's chunk-choice shape (chat, or legacy text). */
export interface UpstreamChunk<Choice = ChatChunkChoice> {
  upstreamId: string | null;
  choices: Choice[];
  usage: NativeUsage | null;
  systemFingerprint: string | null;
  serviceTier: string | null;
}

/** Embeddings as an upstream returned them, in input order. */
export interface UpstreamEmbeddings {
  upstreamId: string | null;
  /** One vector per input, as the upstream encoded it (the route re-encodes as asked). */
  embeddings: EmbeddingVector[];
  usage: NativeUsage | null;
}

/** A parser for one stream: an SSE `data:` payload in, a chunk, `done` or `skip` out. */
export type StreamParser<Choice = ChatChunkChoice> = (
  data: string,
) => UpstreamChunk<Choice> | 'done' | 'skip';

/** How an adapter serves `POST /embeddings`. */
export interface EmbeddingsSupport {
  buildRequest(
    request: EmbeddingsRequest,
    upstreamModel: string,
    settings: AdapterSettings,
  ): UpstreamCall;
  parseResponse(body: unknown, settings: AdapterSettings): UpstreamEmbeddings;
}

/** How an adapter serves legacy `POST /completions`, non-stream and stream. */
export interface TextCompletionSupport {
  buildRequest(
    request: TextCompletionRequest,
    upstreamModel: string,
    settings: AdapterSettings,
  ): UpstreamCall;
  parseResponse(body: unknown, settings: AdapterSettings): UpstreamCompletion<TextCompletionChoice>;
  createStreamParser(settings: AdapterSettings): StreamParser<TextCompletionChunkChoice>;
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
  /** Embeddings over this protocol; without it, the adapter's endpoints never serve embeddings. */
  readonly embeddings?: EmbeddingsSupport;
  /** Legacy text completions; without it, the adapter's endpoints never serve `/completions`. */
  readonly textCompletions?: TextCompletionSupport;
  toUpstreamError(
    status: number,
    bodyText: string,
    headers: Record<string, string | string[] | undefined>,
    settings: AdapterSettings,
  ): UpstreamError;
}

/**
 * What an upstream of one kind honours, as the catalog advertises it. Declared here, with the
 * adapter interface, so each provider folder can state its own (gemini-capabilities.ts) without
 * importing the table that collects them (provider-capabilities.ts).
 */
export interface ProviderCapabilities {
  /** Request parameters forwarded to and understood by the upstream. */
  supportedParameters: readonly ModelParameter[];
  toolChoice: ToolChoiceSupport;
}
