import {
  type CreateAuthCodeRequest,
  CreateAuthCodeRequestSchema,
  type CreateAuthCodeResponse,
  ExchangeAuthCodeRequestSchema,
  type ExchangeAuthCodeResponse,
} from '@tollgate/protocol';
import type { FastifyInstance } from 'fastify';
import { generateKey, hashKey, labelForKey } from '../accounts/api-keys.js';
import {
  AUTH_CODE_TTL_MS,
  appIdFor,
  generateAuthCode,
  hashAuthCode,
  parseCallbackUrl,
  verifyCodeChallenge,
} from '../accounts/auth-codes.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { GatewayContext } from '../gateway-context.js';
import { authorizeManagement } from '../http/authorize.js';
import { replyJson } from '../http/reply-json.js';
import { validate } from '../http/validate.js';
import { toRecordTimestamp } from '../ledger/ids.js';
import { usdNumberToPico } from '../ledger/money.js';
import type { ApiKeyRow, AuthCodeRow } from '../storage/storage.js';

/** Settings of the OAuth routes. */
export interface AuthKeysOptions {
  /** Origins besides loopback that may receive codes (config `oauth_callback_origins`). */
  callbackOrigins: readonly string[];
}

// One answer for an unknown, used, expired or mismatched code, as OpenRouter's 403: the caller
// learns nothing about which codes exist.
function invalidCode(): GatewayError {
  return new GatewayError('forbidden', 'Invalid code or code_verifier');
}

/**
 * Checks a code request beyond its schema (callback allowed; headless needs a challenge) and
 * returns the app's name: the callback's origin, or `headless:<label>`.
 */
export function checkCodeRequest(
  body: CreateAuthCodeRequest,
  options: AuthKeysOptions,
): { appName: string; callbackUrl: string | null } {
  if (body.callback_url === undefined) {
    if (body.code_challenge === undefined) {
      throw new GatewayError(
        'invalid_request',
        'Without `callback_url` (headless), `code_challenge` is required',
      );
    }
    return { appName: `headless:${body.key_label ?? ''}`, callbackUrl: null };
  }
  const url = parseCallbackUrl(body.callback_url, options.callbackOrigins);
  return { appName: url.origin, callbackUrl: url.href };
}

async function createCode(
  context: GatewayContext,
  body: CreateAuthCodeRequest,
  approvedBy: ApiKeyRow,
  options: AuthKeysOptions,
): Promise<CreateAuthCodeResponse> {
  const { appName, callbackUrl } = checkCodeRequest(body, options);
  const nowMs = context.now();
  if (body.expires_at != null && Date.parse(body.expires_at) <= nowMs) {
    throw new GatewayError(
      'invalid_request',
      'Invalid request body: expires_at: must be in the future',
    );
  }
  const code = generateAuthCode();
  const row: AuthCodeRow = {
    codeHash: hashAuthCode(code),
    appId: appIdFor(appName),
    callbackUrl,
    codeChallenge: body.code_challenge ?? null,
    // RFC 7636 §4.3: a challenge without a method is plain.
    codeChallengeMethod:
      body.code_challenge === undefined ? null : (body.code_challenge_method ?? 'plain'),
    keyName: body.key_label ?? (callbackUrl === null ? 'OAuth (headless)' : appName),
    limitPico: body.limit === undefined ? null : usdNumberToPico(body.limit),
    limitReset: body.usage_limit_type ?? null,
    keyExpiresAt: body.expires_at == null ? null : new Date(body.expires_at).toISOString(),
    workspaceId: body.workspace_id ?? approvedBy.workspaceId,
    creatorUserId: approvedBy.creatorUserId,
    approvedByKeyHash: approvedBy.hash,
    createdAt: new Date(nowMs).toISOString(),
    expiresAt: new Date(nowMs + AUTH_CODE_TTL_MS).toISOString(),
  };
  await context.storage.authCodes.insert(row, row.createdAt);
  return { data: { id: code, app_id: row.appId, created_at: row.createdAt } };
}

/** The key a redeemed code becomes: an inference key with the requested label and limit. */
function keyFromCode(code: AuthCodeRow, key: string, nowMs: number): ApiKeyRow {
  return {
    hash: hashKey(key),
    name: code.keyName,
    label: labelForKey(key),
    isManagement: false,
    disabled: false,
    limitPico: code.limitPico,
    limitReset: code.limitReset,
    includeByokInLimit: false,
    workspaceId: code.workspaceId,
    creatorUserId: code.creatorUserId,
    createdAt: toRecordTimestamp(nowMs),
    updatedAt: null,
    expiresAt: code.keyExpiresAt,
    rateLimit: null,
    storeContent: null,
  };
}

/**
 * OAuth PKCE (OpenRouter §5.7): `POST /api/v1/auth/keys` exchanges a code for a key (no
 * `Authorization`), `POST /api/v1/auth/keys/code` creates a code (management keys).
 */
export function registerAuthKeys(
  app: FastifyInstance,
  context: GatewayContext,
  options: AuthKeysOptions,
): void {
  app.post('/api/v1/auth/keys/code', async (request, reply) => {
    const caller = await authorizeManagement(context, request);
    const body = validate(CreateAuthCodeRequestSchema, request.body, 'request body');
    return replyJson(reply, 200, await createCode(context, body, caller.key, options));
  });

  app.post('/api/v1/auth/keys', async (request, reply) => {
    const body = validate(ExchangeAuthCodeRequestSchema, request.body, 'request body');
    // Taken (deleted) before anything is checked: every attempt uses the code up, so a code
    // cannot be replayed or probed, and two concurrent exchanges cannot both succeed.
    const code = await context.storage.authCodes.take(hashAuthCode(body.code));
    const nowMs = context.now();
    if (code === undefined || Date.parse(code.expiresAt) <= nowMs) throw invalidCode();
    if (code.codeChallenge !== null && code.codeChallengeMethod !== null) {
      const stated = body.code_challenge_method;
      if (stated != null && stated !== code.codeChallengeMethod) {
        throw new GatewayError(
          'invalid_request',
          `Invalid code_challenge_method: the code was created with ${code.codeChallengeMethod}`,
        );
      }
      const verifier = body.code_verifier;
      if (
        verifier === undefined ||
        !verifyCodeChallenge(code.codeChallenge, code.codeChallengeMethod, verifier)
      ) {
        throw invalidCode();
      }
    }
    // The approval stands only while the key that gave it does.
    const approver = await context.storage.apiKeys.get(code.approvedByKeyHash);
    if (
      approver === undefined ||
      approver.disabled ||
      (approver.expiresAt !== null && Date.parse(approver.expiresAt) <= nowMs)
    ) {
      throw invalidCode();
    }
    const key = generateKey();
    await context.storage.apiKeys.insert(keyFromCode(code, key, nowMs));
    const answer: ExchangeAuthCodeResponse = { key, user_id: code.creatorUserId };
    return replyJson(reply, 200, answer);
  });
}
