import {
  ApiKeyHashParamsSchema,
  type ApiKeyListResponse,
  type ApiKeyResponse,
  CreateApiKeyRequestSchema,
  type CreateApiKeyResponse,
  type DeleteApiKeyResponse,
  ListApiKeysQuerySchema,
  UpdateApiKeyRequestSchema,
} from '@tollgate/protocol';
import type { FastifyInstance } from 'fastify';
import { DEFAULT_WORKSPACE_ID, generateKey, hashKey, labelForKey } from '../accounts/api-keys.js';
import { loadKeyUsage, toApiKey } from '../accounts/key-view.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { GatewayContext } from '../gateway-context.js';
import { authorizeManagement } from '../http/authorize.js';
import { replyJson } from '../http/reply-json.js';
import { validate } from '../http/validate.js';
import { toRecordTimestamp } from '../ledger/ids.js';
import { usdNumberToPico } from '../ledger/money.js';
import type { ApiKeyPatch, ApiKeyRow } from '../storage/storage.js';

const PAGE_SIZE = 100;

function keyNotFound(): GatewayError {
  return new GatewayError('not_found', 'API key not found');
}

/** Key management (`/api/v1/keys…`), management keys only. */
export function registerKeys(app: FastifyInstance, context: GatewayContext): void {
  const view = async (row: ApiKeyRow) =>
    toApiKey(row, await loadKeyUsage(context.storage, row.hash, context.now()));

  app.get('/api/v1/keys', async (request, reply) => {
    await authorizeManagement(context, request);
    const query = validate(ListApiKeysQuerySchema, request.query, 'query');
    const rows = await context.storage.apiKeys.list({
      includeDisabled: query.include_disabled === 'true',
      offset: query.offset ?? 0,
      limit: PAGE_SIZE,
    });
    const body: ApiKeyListResponse = { data: await Promise.all(rows.map(view)) };
    return replyJson(reply, 200, body);
  });

  app.post('/api/v1/keys', async (request, reply) => {
    const caller = await authorizeManagement(context, request);
    const body = validate(CreateApiKeyRequestSchema, request.body, 'request body');
    const nowMs = context.now();
    if (body.expires_at != null && Date.parse(body.expires_at) <= nowMs) {
      throw new GatewayError(
        'invalid_request',
        'Invalid request body: expires_at: must be in the future',
      );
    }
    const key = generateKey();
    const row: ApiKeyRow = {
      hash: hashKey(key),
      name: body.name,
      label: labelForKey(key),
      isManagement: false,
      disabled: false,
      limitPico: body.limit == null ? null : usdNumberToPico(body.limit),
      limitReset: body.limit_reset ?? null,
      includeByokInLimit: body.include_byok_in_limit ?? false,
      workspaceId: body.workspace_id ?? caller.key.workspaceId ?? DEFAULT_WORKSPACE_ID,
      creatorUserId: body.creator_user_id ?? null,
      createdAt: toRecordTimestamp(nowMs),
      updatedAt: null,
      expiresAt: body.expires_at == null ? null : new Date(body.expires_at).toISOString(),
      rateLimit: null,
      storeContent: body.store_content ?? null,
    };
    await context.storage.apiKeys.insert(row);
    // The secret is in this response only; storage keeps its hash.
    const created: CreateApiKeyResponse = { data: await view(row), key };
    return replyJson(reply, 201, created);
  });

  app.get('/api/v1/keys/:hash', async (request, reply) => {
    await authorizeManagement(context, request);
    const { hash } = validate(ApiKeyHashParamsSchema, request.params, 'path');
    const row = await context.storage.apiKeys.get(hash);
    if (row === undefined) throw keyNotFound();
    const body: ApiKeyResponse = { data: await view(row) };
    return replyJson(reply, 200, body);
  });

  app.patch('/api/v1/keys/:hash', async (request, reply) => {
    await authorizeManagement(context, request);
    const { hash } = validate(ApiKeyHashParamsSchema, request.params, 'path');
    const body = validate(UpdateApiKeyRequestSchema, request.body, 'request body');
    const patch: ApiKeyPatch = { updatedAt: toRecordTimestamp(context.now()) };
    if (body.name !== undefined) patch.name = body.name;
    if (body.disabled !== undefined) patch.disabled = body.disabled;
    if (body.limit !== undefined) {
      patch.limitPico = body.limit === null ? null : usdNumberToPico(body.limit);
    }
    if (body.limit_reset !== undefined) patch.limitReset = body.limit_reset;
    if (body.store_content !== undefined) patch.storeContent = body.store_content;
    if (body.include_byok_in_limit !== undefined) {
      patch.includeByokInLimit = body.include_byok_in_limit;
    }
    const row = await context.storage.apiKeys.update(hash, patch);
    if (row === undefined) throw keyNotFound();
    await context.changes.keyChanged(hash, row);
    const updated: ApiKeyResponse = { data: await view(row) };
    return replyJson(reply, 200, updated);
  });

  app.delete('/api/v1/keys/:hash', async (request, reply) => {
    const caller = await authorizeManagement(context, request);
    const { hash } = validate(ApiKeyHashParamsSchema, request.params, 'path');
    if (hash === caller.key.hash) {
      throw new GatewayError('invalid_request', 'A key cannot delete itself');
    }
    if (!(await context.storage.apiKeys.delete(hash))) throw keyNotFound();
    await context.changes.keyChanged(hash, undefined);
    const deleted: DeleteApiKeyResponse = { deleted: true };
    return replyJson(reply, 200, deleted);
  });
}
