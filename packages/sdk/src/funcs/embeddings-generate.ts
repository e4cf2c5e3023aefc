import type { EmbeddingsResponse } from '@tollgate/protocol';
import type { RequestOptions, TollgateCore } from '../core.js';
import { toWire } from '../lib/case.js';
import type { SdkError } from '../lib/errors.js';
import { jsonOperation } from '../lib/operation.js';
import type { Result } from '../lib/result.js';
import type { EmbeddingsRequest, EmbeddingsResponseBody } from '../models/index.js';

/**
 * `POST /embeddings`: vectors for one or more inputs, metered like any generation.
 *
 * @example
 * const result = await embeddingsGenerate(core, { model: 'openai/text-embedding-3-small', input: 'hi' });
 */
export function embeddingsGenerate(
  core: TollgateCore,
  request: EmbeddingsRequest,
  options?: RequestOptions,
): Promise<Result<EmbeddingsResponseBody, SdkError>> {
  return jsonOperation<EmbeddingsResponse>(
    core,
    { method: 'POST', path: '/embeddings', body: toWire(request) },
    options,
    'data',
  );
}
