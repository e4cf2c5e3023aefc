import type { RequestOptions, TollgateCore } from '../core.js';
import type { SdkError } from '../lib/errors.js';
import { jsonOperation } from '../lib/operation.js';
import type { Result } from '../lib/result.js';
import type { GetCreditsResponseBody } from '../models/index.js';

/**
 * `GET /credits`: credit granted and used by the account, in USD (management keys only).
 *
 * @example
 * const result = await creditsGetCredits(core);
 */
export function creditsGetCredits(
  core: TollgateCore,
  options?: RequestOptions,
): Promise<Result<GetCreditsResponseBody, SdkError>> {
  return jsonOperation<GetCreditsResponseBody>(
    core,
    { method: 'GET', path: '/credits' },
    options,
    'data',
  );
}
