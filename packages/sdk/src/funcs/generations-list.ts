import type { ListGenerationsResponse } from '@tollgate/protocol';
import type { RequestOptions, TollgateCore } from '../core.js';
import { toWire } from '../lib/case.js';
import type { SdkError } from '../lib/errors.js';
import { jsonOperation } from '../lib/operation.js';
import type { Result } from '../lib/result.js';
import type { ListGenerationsRequest, ListGenerationsResponseBody } from '../models/index.js';

/**
 * `GET /generations` (Tollgate extension): one page of the generations log, newest first, with
 * filters; pass `nextCursor` back as `cursor` for the next page. A key sees its own.
 *
 * @example
 * const result = await generationsList(core, { model: 'tollgate/demo', limit: '50' });
 * if (result.ok) console.log(result.value.data.length, result.value.nextCursor);
 */
export function generationsList(
  core: TollgateCore,
  request: ListGenerationsRequest = {},
  options?: RequestOptions,
): Promise<Result<ListGenerationsResponseBody, SdkError>> {
  return jsonOperation<ListGenerationsResponse>(
    core,
    {
      method: 'GET',
      path: '/generations',
      query: toWire({ ...request, format: 'json' }) as Record<string, string>,
    },
    options,
    'data',
  );
}
