import type { ModelsListResponse } from '@tollgate/protocol';
import type { RequestOptions, TollgateCore } from '../core.js';
import { toWire } from '../lib/case.js';
import type { SdkError } from '../lib/errors.js';
import { jsonOperation } from '../lib/operation.js';
import type { Result } from '../lib/result.js';
import type { ListModelsRequest, ListModelsResponseBody } from '../models/index.js';

/**
 * `GET /models`: the catalog, optionally paged and filtered.
 *
 * @example
 * const result = await modelsList(core, { outputModalities: 'text', limit: '10' });
 */
export function modelsList(
  core: TollgateCore,
  request: ListModelsRequest = {},
  options?: RequestOptions,
): Promise<Result<ListModelsResponseBody, SdkError>> {
  return jsonOperation<ModelsListResponse>(
    core,
    { method: 'GET', path: '/models', query: toWire(request) as Record<string, string> },
    options,
    'data',
  );
}
