import type { ModelResponse } from '@tollgate/protocol';
import type { RequestOptions, TollgateCore } from '../core.js';
import type { SdkError } from '../lib/errors.js';
import { jsonOperation, segment } from '../lib/operation.js';
import type { Result } from '../lib/result.js';
import type { GetModelResponseBody, ModelPathRequest } from '../models/index.js';

/**
 * `GET /model/{author}/{slug}`: one model of the catalog.
 *
 * @example
 * const result = await modelsGet(core, { author: 'openai', slug: 'gpt-4o' });
 */
export function modelsGet(
  core: TollgateCore,
  request: ModelPathRequest,
  options?: RequestOptions,
): Promise<Result<GetModelResponseBody, SdkError>> {
  const path = `/model/${segment(request.author)}/${segment(request.slug)}`;
  return jsonOperation<ModelResponse>(core, { method: 'GET', path }, options, 'data');
}
