import type { RequestOptions, TollgateCore } from '../core.js';
import type { SdkError } from '../lib/errors.js';
import { jsonOperation } from '../lib/operation.js';
import type { Result } from '../lib/result.js';
import type { GetCurrentKeyResponseBody } from '../models/index.js';

/**
 * `GET /key`: limits, usage and rate limit of the calling key.
 *
 * @example
 * const result = await apiKeysGetCurrentKeyMetadata(core);
 */
export function apiKeysGetCurrentKeyMetadata(
  core: TollgateCore,
  options?: RequestOptions,
): Promise<Result<GetCurrentKeyResponseBody, SdkError>> {
  return jsonOperation<GetCurrentKeyResponseBody>(
    core,
    { method: 'GET', path: '/key' },
    options,
    'data',
  );
}
