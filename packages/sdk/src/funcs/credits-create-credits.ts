import type { RequestOptions, TollgateCore } from '../core.js';
import { toWire } from '../lib/case.js';
import type { SdkError } from '../lib/errors.js';
import { jsonOperation } from '../lib/operation.js';
import type { Result } from '../lib/result.js';
import type { CreateCreditsRequest, CreateCreditsResponseBody } from '../models/index.js';

/**
 * `POST /credits` (Tollgate extension): adds (or, negative, corrects) account credit in USD.
 * Management keys only; not retried after it may have reached the server.
 *
 * @example
 * const result = await creditsCreateCredits(core, { amount: 25, note: 'top-up' });
 */
export function creditsCreateCredits(
  core: TollgateCore,
  request: CreateCreditsRequest,
  options?: RequestOptions,
): Promise<Result<CreateCreditsResponseBody, SdkError>> {
  return jsonOperation<CreateCreditsResponseBody>(
    core,
    { method: 'POST', path: '/credits', body: toWire(request) },
    options,
    'data',
  );
}
