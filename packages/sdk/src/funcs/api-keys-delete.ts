import type { RequestOptions, TollgateCore } from '../core.js';
import type { SdkError } from '../lib/errors.js';
import { jsonOperation, segment } from '../lib/operation.js';
import type { Result } from '../lib/result.js';
import type { ApiKeyHashRequest, DeleteApiKeyResponseBody } from '../models/index.js';

/**
 * `DELETE /keys/{hash}`: deletes a key. Not retried after it may have reached the server (a
 * second attempt would answer 404 for a deletion that worked).
 *
 * @example
 * const result = await apiKeysDelete(core, { hash });
 */
export function apiKeysDelete(
  core: TollgateCore,
  request: ApiKeyHashRequest,
  options?: RequestOptions,
): Promise<Result<DeleteApiKeyResponseBody, SdkError>> {
  const path = `/keys/${segment(request.hash)}`;
  return jsonOperation<DeleteApiKeyResponseBody>(
    core,
    { method: 'DELETE', path },
    options,
    'deleted',
  );
}
