import type { RequestOptions, TollgateCore } from '../core.js';
import { toWire } from '../lib/case.js';
import type { SdkError } from '../lib/errors.js';
import { jsonOperation, segment } from '../lib/operation.js';
import type { Result } from '../lib/result.js';
import type { UpdateApiKeyRequest, UpdateApiKeyResponseBody } from '../models/index.js';

/**
 * `PATCH /keys/{hash}`: changes a key's name, limit or disabled flag.
 *
 * @example
 * const result = await apiKeysUpdate(core, { hash, disabled: true });
 */
export function apiKeysUpdate(
  core: TollgateCore,
  request: UpdateApiKeyRequest,
  options?: RequestOptions,
): Promise<Result<UpdateApiKeyResponseBody, SdkError>> {
  const { hash, ...fields } = request;
  return jsonOperation<UpdateApiKeyResponseBody>(
    core,
    { method: 'PATCH', path: `/keys/${segment(hash)}`, body: toWire(fields) },
    options,
    'data',
  );
}
