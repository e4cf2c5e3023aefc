import type { GetGenerationResponse } from '@tollgate/protocol';
import type { RequestOptions, TollgateCore } from '../core.js';
import type { SdkError } from '../lib/errors.js';
import { jsonOperation } from '../lib/operation.js';
import type { Result } from '../lib/result.js';
import type { GetGenerationRequest, GetGenerationResponseBody } from '../models/index.js';

/**
 * `GET /generation?id=`: the full metered record of a generation (cost, tokens, latency).
 *
 * @example
 * const result = await generationsGetGeneration(core, { id: 'gen-…' });
 * if (result.ok) console.log(result.value.data.totalCost);
 */
export function generationsGetGeneration(
  core: TollgateCore,
  request: GetGenerationRequest,
  options?: RequestOptions,
): Promise<Result<GetGenerationResponseBody, SdkError>> {
  return jsonOperation<GetGenerationResponse>(
    core,
    { method: 'GET', path: '/generation', query: { id: request.id } },
    options,
    'data',
  );
}
