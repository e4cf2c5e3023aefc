import { z } from 'zod';

/*
 * Minimal schemas of what Anthropic's Messages API (`POST /v1/messages`, version 2023-06-01)
 * sends back: only the fields Tollgate reads; extra keys are kept and ignored, so new fields
 * Anthropic adds do not break parsing.
 */

/** Anthropic's `usage`: `input_tokens` excludes cache reads and cache writes. */
export const AnthropicUsageSchema = z.looseObject({
  input_tokens: z.int().nonnegative().nullish(),
  output_tokens: z.int().nonnegative().nullish(),
  cache_creation_input_tokens: z.int().nonnegative().nullish(),
  cache_read_input_tokens: z.int().nonnegative().nullish(),
  service_tier: z.string().nullish(),
});

/** Anthropic's `usage` object. */
export type AnthropicUsage = z.infer<typeof AnthropicUsageSchema>;

/** Any content block; its `type` selects one of the specific schemas below. */
export const AnthropicContentBlockSchema = z.looseObject({ type: z.string() });

/** A `text` content block. */
export const AnthropicTextBlockSchema = z.looseObject({
  type: z.literal('text'),
  text: z.string(),
});

/** A `thinking` content block (extended thinking). */
export const AnthropicThinkingBlockSchema = z.looseObject({
  type: z.literal('thinking'),
  thinking: z.string(),
});

/** A `tool_use` content block: the model calling a client tool. */
export const AnthropicToolUseBlockSchema = z.looseObject({
  type: z.literal('tool_use'),
  id: z.string(),
  name: z.string(),
  input: z.unknown(),
});

/** A non-stream `message` response. */
export const AnthropicMessageSchema = z.looseObject({
  id: z.string().nullish(),
  type: z.literal('message'),
  content: z.array(AnthropicContentBlockSchema),
  stop_reason: z.string().nullish(),
  usage: AnthropicUsageSchema.nullish(),
});

const MessageStartEventSchema = z.looseObject({
  type: z.literal('message_start'),
  message: z.looseObject({ id: z.string().nullish(), usage: AnthropicUsageSchema.nullish() }),
});

const ContentBlockStartEventSchema = z.looseObject({
  type: z.literal('content_block_start'),
  index: z.int().nonnegative(),
  content_block: AnthropicContentBlockSchema,
});

const ContentBlockDeltaEventSchema = z.looseObject({
  type: z.literal('content_block_delta'),
  index: z.int().nonnegative(),
  delta: z.looseObject({
    type: z.string(),
    text: z.string().optional(),
    thinking: z.string().optional(),
    partial_json: z.string().optional(),
  }),
});

const ContentBlockStopEventSchema = z.looseObject({
  type: z.literal('content_block_stop'),
});

const MessageDeltaEventSchema = z.looseObject({
  type: z.literal('message_delta'),
  delta: z.looseObject({ stop_reason: z.string().nullish() }),
  usage: AnthropicUsageSchema.nullish(),
});

const MessageStopEventSchema = z.looseObject({ type: z.literal('message_stop') });

const PingEventSchema = z.looseObject({ type: z.literal('ping') });

/** Anthropic's error body, sent both as an HTTP error response and as a stream `error` event. */
export const AnthropicErrorSchema = z.looseObject({
  type: z.literal('error'),
  error: z.looseObject({ type: z.string(), message: z.string() }),
});

/** One stream event Tollgate understands (others are skipped, as Anthropic asks clients to). */
export const AnthropicStreamEventSchema = z.discriminatedUnion('type', [
  MessageStartEventSchema,
  ContentBlockStartEventSchema,
  ContentBlockDeltaEventSchema,
  ContentBlockStopEventSchema,
  MessageDeltaEventSchema,
  MessageStopEventSchema,
  PingEventSchema,
  AnthropicErrorSchema,
]);

/** One known stream event. */
export type AnthropicStreamEvent = z.infer<typeof AnthropicStreamEventSchema>;

/** The `type`s of {@link AnthropicStreamEventSchema}. */
export const ANTHROPIC_STREAM_EVENT_TYPES: ReadonlySet<string> = new Set([
  'message_start',
  'content_block_start',
  'content_block_delta',
  'content_block_stop',
  'message_delta',
  'message_stop',
  'ping',
  'error',
] satisfies Array<AnthropicStreamEvent['type']>);

/** A prompt-caching breakpoint, passed through from the client's content part. */
export interface AnthropicCacheControl {
  type: 'ephemeral';
  ttl?: '5m' | '1h';
}

/** A `text` block of a request. */
export interface AnthropicTextBlockParam {
  type: 'text';
  text: string;
  cache_control?: AnthropicCacheControl;
}

/** An `image` block of a request. */
export interface AnthropicImageBlockParam {
  type: 'image';
  source: { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string };
  cache_control?: AnthropicCacheControl;
}

/** A `tool_use` block of an assistant message in a request (a call made in an earlier turn). */
export interface AnthropicToolUseBlockParam {
  type: 'tool_use';
  id: string;
  name: string;
  input: Record<string, unknown>;
}

/** A `tool_result` block of a user message: the answer to an earlier `tool_use`. */
export interface AnthropicToolResultBlockParam {
  type: 'tool_result';
  tool_use_id: string;
  content?: string | Array<AnthropicTextBlockParam | AnthropicImageBlockParam>;
}

/** Any content block of a request message. */
export type AnthropicContentBlockParam =
  | AnthropicTextBlockParam
  | AnthropicImageBlockParam
  | AnthropicToolUseBlockParam
  | AnthropicToolResultBlockParam;

/** One message of a request; roles strictly alternate. */
export interface AnthropicMessageParam {
  role: 'user' | 'assistant';
  content: string | AnthropicContentBlockParam[];
}

/** A client tool definition. */
export interface AnthropicToolParam {
  name: string;
  description?: string;
  input_schema: Record<string, unknown>;
}

/** How the model may use tools. */
export type AnthropicToolChoice =
  | { type: 'auto' | 'any'; disable_parallel_tool_use?: boolean }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean }
  | { type: 'none' };

/** The body of `POST /v1/messages`, as far as Tollgate fills it. */
export interface AnthropicMessagesRequest {
  model: string;
  max_tokens: number;
  messages: AnthropicMessageParam[];
  system?: string | AnthropicTextBlockParam[];
  temperature?: number;
  top_p?: number;
  top_k?: number;
  stop_sequences?: string[];
  tools?: AnthropicToolParam[];
  tool_choice?: AnthropicToolChoice;
  metadata?: { user_id: string };
  stream?: boolean;
}
