import type { ModelsCountResponse } from '@tollgate/protocol';
import type { RequestOptions, TollgateCore } from '../core.js';
import { toWire } from '../lib/case.js';
import type { SdkError } from '../lib/errors.js';
import { jsonOperation } from '../lib/operation.js';
import type { Result } from '../lib/result.js';
import type { CountModelsRequest, CountModelsResponseBody } from '../models/index.js';

/**
 * `GET /models/count`: how many models match the `outputModalities` filter.
 *
 * @example
 * const result = await modelsCount(core);
 */
export function modelsCount(
  core: TollgateCore,
  request: CountModelsRequest = {},
  options?: RequestOptions,
): Promise<Result<CountModelsResponseBody, SdkError>> {
  return jsonOperation<ModelsCountResponse>(
    core,
    { method: 'GET', path: '/models/count', query: toWire(request) as Record<string, string> },
    options,
    'data',
  );
}
