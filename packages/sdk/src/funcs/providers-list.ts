import type { ProvidersResponse } from '@tollgate/protocol';
import type { RequestOptions, TollgateCore } from '../core.js';
import type { SdkError } from '../lib/errors.js';
import { jsonOperation } from '../lib/operation.js';
import type { Result } from '../lib/result.js';
import type { ListProvidersResponseBody } from '../models/index.js';

/**
 * `GET /providers`: every configured upstream provider.
 *
 * @example
 * const result = await providersList(core);
 */
export function providersList(
  core: TollgateCore,
  options?: RequestOptions,
): Promise<Result<ListProvidersResponseBody, SdkError>> {
  return jsonOperation<ProvidersResponse>(
    core,
    { method: 'GET', path: '/providers' },
    options,
    'data',
  );
}
