import type { RequestOptions, TollgateCore } from '../core.js';
import type { SdkError } from '../lib/errors.js';
import { jsonOperation, segment } from '../lib/operation.js';
import type { Result } from '../lib/result.js';
import type { ApiKeyHashRequest, GetApiKeyResponseBody } from '../models/index.js';

/**
 * `GET /keys/{hash}`: one API key.
 *
 * @example
 * const result = await apiKeysGet(core, { hash });
 */
export function apiKeysGet(
  core: TollgateCore,
  request: ApiKeyHashRequest,
  options?: RequestOptions,
): Promise<Result<GetApiKeyResponseBody, SdkError>> {
  const path = `/keys/${segment(request.hash)}`;
  return jsonOperation<GetApiKeyResponseBody>(core, { method: 'GET', path }, options, 'data');
}
