import type { RequestOptions, TollgateCore } from '../core.js';
import { toWire } from '../lib/case.js';
import type { SdkError } from '../lib/errors.js';
import { jsonOperation } from '../lib/operation.js';
import type { Result } from '../lib/result.js';
import type { ExchangeAuthCodeRequest, ExchangeAuthCodeResponseBody } from '../models/index.js';

/**
 * `POST /auth/keys`: exchanges an OAuth PKCE authorization code (from the `/auth` page's
 * callback, or shown there headless) for a new API key. Needs no API key. A code is single-use:
 * any attempt uses it up, so this is never retried after it may have reached the server; a
 * wrong, used or expired code is a `ForbiddenResponseError`.
 *
 * @example
 * const result = await oAuthExchangeAuthCodeForAPIKey(core, {
 *   code: new URL(location.href).searchParams.get('code') ?? '',
 *   codeVerifier,
 *   codeChallengeMethod: 'S256',
 * });
 * if (result.ok) localStorage.setItem('tollgate-key', result.value.key);
 * @see docs/guides/oauth.md in the Tollgate repository (the flow step by step)
 */
export function oAuthExchangeAuthCodeForAPIKey(
  core: TollgateCore,
  request: ExchangeAuthCodeRequest,
  options?: RequestOptions,
): Promise<Result<ExchangeAuthCodeResponseBody, SdkError>> {
  return jsonOperation<ExchangeAuthCodeResponseBody>(
    core,
    { method: 'POST', path: '/auth/keys', body: toWire(request) },
    options,
    'key',
  );
}
