import type { ActivityResponse } from '@tollgate/protocol';
import type { RequestOptions, TollgateCore } from '../core.js';
import { toWire } from '../lib/case.js';
import type { SdkError } from '../lib/errors.js';
import { jsonOperation } from '../lib/operation.js';
import type { Result } from '../lib/result.js';
import type { GetActivityRequest, GetActivityResponseBody } from '../models/index.js';

/**
 * `GET /activity`: usage per UTC day × model × endpoint over the last 30 completed days, as
 * OpenRouter serves it (management keys only).
 *
 * @example
 * const result = await activityGetUserActivity(core, { date: '2026-12-06' });
 * if (result.ok) console.log(result.value.data[0]?.usage);
 */
export function activityGetUserActivity(
  core: TollgateCore,
  request: GetActivityRequest = {},
  options?: RequestOptions,
): Promise<Result<GetActivityResponseBody, SdkError>> {
  return jsonOperation<ActivityResponse>(
    core,
    { method: 'GET', path: '/activity', query: toWire(request) as Record<string, string> },
    options,
    'data',
  );
}
