import type { TextCompletion } from '@tollgate/protocol';
import type { RequestOptions, TollgateCore } from '../core.js';
import { toWire } from '../lib/case.js';
import type { SdkError } from '../lib/errors.js';
import type { EventStream } from '../lib/event-stream.js';
import { jsonOperation, streamOperation } from '../lib/operation.js';
import type { Result } from '../lib/result.js';
import type {
  CompletionRequest,
  CompletionResponse,
  CompletionStreamChunk,
} from '../models/index.js';

/**
 * `POST /completions` (legacy text completion); `stream: true` gives an {@link EventStream}.
 *
 * @example
 * const result = await completionsGenerate(core, { model: 'openai/gpt-4o', prompt: 'Once' });
 */
export function completionsGenerate(
  core: TollgateCore,
  request: CompletionRequest & { stream: true },
  options?: RequestOptions,
): Promise<Result<EventStream<CompletionStreamChunk>, SdkError>>;
export function completionsGenerate(
  core: TollgateCore,
  request: CompletionRequest & { stream?: false | undefined },
  options?: RequestOptions,
): Promise<Result<CompletionResponse, SdkError>>;
export function completionsGenerate(
  core: TollgateCore,
  request: CompletionRequest,
  options?: RequestOptions,
): Promise<Result<CompletionResponse | EventStream<CompletionStreamChunk>, SdkError>>;
export function completionsGenerate(
  core: TollgateCore,
  request: CompletionRequest,
  options?: RequestOptions,
): Promise<Result<CompletionResponse | EventStream<CompletionStreamChunk>, SdkError>> {
  const http = { method: 'POST', path: '/completions', body: toWire(request) } as const;
  if (request.stream === true) {
    return streamOperation<CompletionStreamChunk>(core, http, options);
  }
  return jsonOperation<TextCompletion>(core, http, options, 'choices');
}
