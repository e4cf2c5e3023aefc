import type { RequestOptions, TollgateCore } from '../core.js';
import { toWire } from '../lib/case.js';
import type { SdkError } from '../lib/errors.js';
import { jsonOperation } from '../lib/operation.js';
import type { Result } from '../lib/result.js';
import type { CreateApiKeyRequest, CreateApiKeyResponseBody } from '../models/index.js';

/**
 * `POST /keys`: creates an API key; the secret is in this response only.
 *
 * @example
 * const result = await apiKeysCreate(core, { name: 'ci', limit: 5, limitReset: 'monthly' });
 */
export function apiKeysCreate(
  core: TollgateCore,
  request: CreateApiKeyRequest,
  options?: RequestOptions,
): Promise<Result<CreateApiKeyResponseBody, SdkError>> {
  return jsonOperation<CreateApiKeyResponseBody>(
    core,
    { method: 'POST', path: '/keys', body: toWire(request) },
    options,
    'key',
  );
}
