import type { RequestOptions, TollgateCore } from '../core.js';
import { toWire } from '../lib/case.js';
import type { SdkError } from '../lib/errors.js';
import { jsonOperation } from '../lib/operation.js';
import type { Result } from '../lib/result.js';
import type { CreateAuthCodeRequest, CreateAuthCodeResponseBody } from '../models/index.js';

/**
 * `POST /auth/keys/code`: creates an OAuth authorization code server-side (what the `/auth`
 * consent page does on approval); `data.id` is the code, valid 10 minutes. Management keys only.
 * `callbackUrl` must be on loopback or an origin in the gateway's `oauth_callback_origins`; it
 * may be omitted (headless) when `codeChallenge` is given.
 *
 * @example
 * const result = await oAuthCreateAuthCode(core, {
 *   callbackUrl: 'http://localhost:3000/callback',
 *   codeChallenge,
 *   codeChallengeMethod: 'S256',
 *   keyLabel: 'My app',
 *   limit: 5,
 * });
 * @see docs/guides/oauth.md in the Tollgate repository (the flow step by step)
 */
export function oAuthCreateAuthCode(
  core: TollgateCore,
  request: CreateAuthCodeRequest,
  options?: RequestOptions,
): Promise<Result<CreateAuthCodeResponseBody, SdkError>> {
  return jsonOperation<CreateAuthCodeResponseBody>(
    core,
    { method: 'POST', path: '/auth/keys/code', body: toWire(request) },
    options,
    'data',
  );
}
