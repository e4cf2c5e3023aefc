import type { RequestOptions, TollgateCore } from '../core.js';
import { toWire } from '../lib/case.js';
import type { SdkError } from '../lib/errors.js';
import { jsonOperation } from '../lib/operation.js';
import type { Result } from '../lib/result.js';
import type { ListApiKeysRequest, ListApiKeysResponseBody } from '../models/index.js';

/**
 * `GET /keys`: API keys of the account, 100 per page (management keys only).
 *
 * @example
 * const result = await apiKeysList(core, { includeDisabled: 'true' });
 */
export function apiKeysList(
  core: TollgateCore,
  request: ListApiKeysRequest = {},
  options?: RequestOptions,
): Promise<Result<ListApiKeysResponseBody, SdkError>> {
  return jsonOperation<ListApiKeysResponseBody>(
    core,
    { method: 'GET', path: '/keys', query: toWire(request) as Record<string, string> },
    options,
    'data',
  );
}
