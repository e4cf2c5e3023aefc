import type { ActivitySummaryResponse } from '@tollgate/protocol';
import type { RequestOptions, TollgateCore } from '../core.js';
import { toWire } from '../lib/case.js';
import type { SdkError } from '../lib/errors.js';
import { jsonOperation } from '../lib/operation.js';
import type { Result } from '../lib/result.js';
import type { GetActivitySummaryRequest, GetActivitySummaryResponseBody } from '../models/index.js';

/**
 * `GET /activity/summary` (Tollgate extension): spend, requests and tokens per key, end user,
 * model or provider, by day or hour, with exact decimal money. A key sees its own usage.
 *
 * @example
 * const result = await activityGetSummary(core, { groupBy: 'model', granularity: 'day' });
 */
export function activityGetSummary(
  core: TollgateCore,
  request: GetActivitySummaryRequest,
  options?: RequestOptions,
): Promise<Result<GetActivitySummaryResponseBody, SdkError>> {
  return jsonOperation<ActivitySummaryResponse>(
    core,
    {
      method: 'GET',
      path: '/activity/summary',
      query: toWire(request) as Record<string, string>,
    },
    options,
    'data',
  );
}
