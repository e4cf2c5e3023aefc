import type { ModelEndpointsResponse } from '@tollgate/protocol';
import type { RequestOptions, TollgateCore } from '../core.js';
import type { SdkError } from '../lib/errors.js';
import { jsonOperation, segment } from '../lib/operation.js';
import type { Result } from '../lib/result.js';
import type { ListEndpointsResponseBody, ModelPathRequest } from '../models/index.js';

/**
 * `GET /models/{author}/{slug}/endpoints`: every provider endpoint serving a model.
 *
 * @example
 * const result = await endpointsList(core, { author: 'openai', slug: 'gpt-4o' });
 */
export function endpointsList(
  core: TollgateCore,
  request: ModelPathRequest,
  options?: RequestOptions,
): Promise<Result<ListEndpointsResponseBody, SdkError>> {
  const path = `/models/${segment(request.author)}/${segment(request.slug)}/endpoints`;
  return jsonOperation<ModelEndpointsResponse>(core, { method: 'GET', path }, options, 'data');
}
