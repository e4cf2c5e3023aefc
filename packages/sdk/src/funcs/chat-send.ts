import type { ChatCompletion } from '@tollgate/protocol';
import type { RequestOptions, TollgateCore } from '../core.js';
import { toWire } from '../lib/case.js';
import type { SdkError } from '../lib/errors.js';
import type { EventStream } from '../lib/event-stream.js';
import { jsonOperation, streamOperation } from '../lib/operation.js';
import type { Result } from '../lib/result.js';
import type { ChatRequest, ChatResponse, ChatStreamChunk } from '../models/index.js';

/** A chat request asking for a stream. */
export type ChatStreamRequest = ChatRequest & { stream: true };

/**
 * `POST /chat/completions`. With `stream: true` the value is an {@link EventStream} of typed
 * chunks; otherwise the completion. Never retried once it may have reached the server.
 *
 * @example
 * const result = await chatSend(core, { model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'Hi' }] });
 */
export function chatSend(
  core: TollgateCore,
  request: ChatStreamRequest,
  options?: RequestOptions,
): Promise<Result<EventStream<ChatStreamChunk>, SdkError>>;
export function chatSend(
  core: TollgateCore,
  request: ChatRequest & { stream?: false | undefined },
  options?: RequestOptions,
): Promise<Result<ChatResponse, SdkError>>;
export function chatSend(
  core: TollgateCore,
  request: ChatRequest,
  options?: RequestOptions,
): Promise<Result<ChatResponse | EventStream<ChatStreamChunk>, SdkError>>;
export function chatSend(
  core: TollgateCore,
  request: ChatRequest,
  options?: RequestOptions,
): Promise<Result<ChatResponse | EventStream<ChatStreamChunk>, SdkError>> {
  const http = { method: 'POST', path: '/chat/completions', body: toWire(request) } as const;
  if (request.stream === true) {
    return streamOperation<ChatStreamChunk>(core, http, options);
  }
  return jsonOperation<ChatCompletion>(core, http, options, 'choices');
}
