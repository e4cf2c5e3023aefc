import type { CreditGrantsResponse } from '@tollgate/protocol';
import type { RequestOptions, TollgateCore } from '../core.js';
import { toWire } from '../lib/case.js';
import type { SdkError } from '../lib/errors.js';
import { jsonOperation } from '../lib/operation.js';
import type { Result } from '../lib/result.js';
import type { ListCreditGrantsRequest, ListCreditGrantsResponseBody } from '../models/index.js';

/**
 * `GET /credits/grants` (Tollgate extension): the credit grants, newest first, each with its USD
 * `amount` and the exact `amountExact` decimal string (management keys only).
 *
 * @example
 * const result = await creditsListGrants(core, { limit: '100' });
 * if (result.ok) console.log(result.value.data[0]?.amountExact);
 */
export function creditsListGrants(
  core: TollgateCore,
  request: ListCreditGrantsRequest = {},
  options?: RequestOptions,
): Promise<Result<ListCreditGrantsResponseBody, SdkError>> {
  return jsonOperation<CreditGrantsResponse>(
    core,
    {
      method: 'GET',
      path: '/credits/grants',
      query: toWire(request) as Record<string, string>,
    },
    options,
    'data',
  );
}
