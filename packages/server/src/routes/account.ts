import { randomUUID } from 'node:crypto';
import {
  AddCreditsRequestSchema,
  type CreditGrantsResponse,
  type CreditsResponse,
  type CurrentKeyResponse,
  type CurrentKeySchema,
  ListCreditGrantsQuerySchema,
} from '@tollgate/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { limitRemaining, loadKeyUsage } from '../accounts/key-view.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { GatewayContext } from '../gateway-context.js';
import { authorize, authorizeManagement } from '../http/authorize.js';
import { replyJson } from '../http/reply-json.js';
import { validate } from '../http/validate.js';
import { toRecordTimestamp } from '../ledger/ids.js';
import { formatUsd, toUsdNumber, usdNumberToPico } from '../ledger/money.js';

/** Grants listed by `GET /credits/grants` unless `limit` says otherwise, and its maximum. */
const DEFAULT_GRANTS = 100;
const MAX_GRANTS = 1000;

/** `/key`, `/auth/key` (legacy alias), `/credits` and `/credits/grants`. */
export function registerAccount(app: FastifyInstance, context: GatewayContext): void {
  const currentKey = async (request: FastifyRequest, reply: FastifyReply) => {
    const { key } = await authorize(context, request);
    const usage = await loadKeyUsage(context.storage, key.hash, context.now());
    const rateLimit = key.rateLimit ?? context.defaultRateLimit;
    const data: z.infer<typeof CurrentKeySchema> = {
      label: key.label,
      limit: key.limitPico === null ? null : toUsdNumber(key.limitPico),
      limit_remaining: limitRemaining(key, usage),
      limit_reset: key.limitReset,
      include_byok_in_limit: key.includeByokInLimit,
      usage: toUsdNumber(usage.total),
      usage_daily: toUsdNumber(usage.daily),
      usage_weekly: toUsdNumber(usage.weekly),
      usage_monthly: toUsdNumber(usage.monthly),
      byok_usage: toUsdNumber(usage.byok.total),
      byok_usage_daily: toUsdNumber(usage.byok.daily),
      byok_usage_weekly: toUsdNumber(usage.byok.weekly),
      byok_usage_monthly: toUsdNumber(usage.byok.monthly),
      is_free_tier: false,
      is_management_key: key.isManagement,
      is_provisioning_key: key.isManagement,
      creator_user_id: key.creatorUserId,
      organization_id: null,
      workspace_id: key.workspaceId,
      expires_at: key.expiresAt,
      allowed_data_regions: [context.dataRegion],
      // Tollgate has no free-model quota: nothing is limited, nothing used.
      free_model_daily_requests: { limit: -1, remaining: -1, used: 0 },
      rate_limit:
        rateLimit === null
          ? { requests: -1, interval: '10s', note: 'No request-rate limit is configured.' }
          : {
              requests: rateLimit.requests,
              interval: `${rateLimit.intervalSeconds}s`,
              note: 'Requests per interval for this key.',
            },
    };
    const body: CurrentKeyResponse = { data };
    return replyJson(reply, 200, body);
  };
  app.get('/api/v1/key', currentKey);
  app.get('/api/v1/auth/key', currentKey);

  const credits = async (): Promise<CreditsResponse['data']> => {
    const [grants, usage] = await Promise.all([
      context.storage.credits.totals(),
      context.storage.generations.sumAllUsage(),
    ]);
    return { total_credits: toUsdNumber(grants.totalPico), total_usage: toUsdNumber(usage) };
  };

  app.get('/api/v1/credits', async (request, reply) => {
    await authorizeManagement(context, request);
    return replyJson(reply, 200, { data: await credits() });
  });

  // Tollgate extension: an operator adds (or, negative, corrects) the account's credit. Once any
  // grant exists, requests that cannot be afforded are refused with 402.
  app.post('/api/v1/credits', async (request, reply) => {
    await authorizeManagement(context, request);
    const body = validate(AddCreditsRequestSchema, request.body, 'request body');
    await context.storage.credits.insert({
      id: randomUUID(),
      amountPico: usdNumberToPico(body.amount),
      note: body.note ?? null,
      createdAt: toRecordTimestamp(context.now()),
    });
    await context.changes.creditsChanged();
    return replyJson(reply, 201, { data: await credits() });
  });

  // Tollgate extension: the grants behind `total_credits`, newest first (the console's Credits page).
  app.get('/api/v1/credits/grants', async (request, reply) => {
    await authorizeManagement(context, request);
    const query = validate(ListCreditGrantsQuerySchema, request.query ?? {}, 'query');
    let limit = DEFAULT_GRANTS;
    if (query.limit !== undefined) {
      limit = Number(query.limit);
      if (!/^\d+$/.test(query.limit) || limit < 1 || limit > MAX_GRANTS) {
        throw new GatewayError(
          'invalid_request',
          `query parameter \`limit\` must be an integer from 1 to ${MAX_GRANTS}`,
          { metadata: { parameter: 'limit' } },
        );
      }
    }
    const grants = await context.storage.credits.list(limit);
    const body: CreditGrantsResponse = {
      data: grants.map((grant) => ({
        id: grant.id,
        amount: toUsdNumber(grant.amountPico),
        amount_exact: formatUsd(grant.amountPico),
        note: grant.note,
        created_at: grant.createdAt,
      })),
    };
    return replyJson(reply, 200, body);
  });

  // OpenRouter retired Coinbase charges (410 Gone); here credit comes from operators.
  app.post('/api/v1/credits/coinbase', async () => {
    throw new GatewayError(
      'gone',
      'Coinbase payments are no longer supported; operators add credit with POST /api/v1/credits',
    );
  });
}
