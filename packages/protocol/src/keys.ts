import { z } from 'zod';

/** How a key's limit resets. */
export const LIMIT_RESETS = ['daily', 'weekly', 'monthly'] as const;

const usdAmount = z
  .number({ error: 'must be a number of USD' })
  .finite()
  .nonnegative({ error: 'must not be negative' })
  // Amounts are stored as int64 pico-USD (max ≈ $9.2M); a million dollars per key is ample.
  .max(1_000_000, { error: 'must be at most 1,000,000 USD' });

/** An API key as the key-management endpoints return it (OpenRouter's shape). */
export const ApiKeySchema = z.object({
  hash: z.string().describe('Hex SHA-256 of the key: its public id.'),
  name: z.string(),
  label: z.string(),
  disabled: z.boolean(),
  limit: z.number().nullable().describe('Spending limit in USD; null = none.'),
  limit_remaining: z.number().nullable(),
  limit_reset: z.string().nullable(),
  include_byok_in_limit: z.boolean(),
  usage: z.number(),
  usage_daily: z.number(),
  usage_weekly: z.number(),
  usage_monthly: z.number(),
  byok_usage: z.number(),
  byok_usage_daily: z.number(),
  byok_usage_weekly: z.number(),
  byok_usage_monthly: z.number(),
  created_at: z.string(),
  updated_at: z.string().nullable(),
  expires_at: z.string().nullable(),
  creator_user_id: z.string().nullable(),
  external_user: z.string().nullable(),
  store_content: z
    .boolean()
    .nullable()
    .optional()
    .describe(
      'Tollgate extension: store this key’s prompts and completions (true/false overrides the config’s `store_content`; null follows it).',
    ),
  workspace_id: z.string(),
});

/** An API key record. */
export type ApiKey = z.infer<typeof ApiKeySchema>;

/** `POST /api/v1/keys` body. */
export const CreateApiKeyRequestSchema = z.object({
  name: z
    .string({
      error: (issue) =>
        issue.input === undefined ? '`name` is required' : '`name` must be a string',
    })
    .min(1, { error: '`name` must not be empty' })
    .max(200, { error: '`name` is limited to 200 characters' }),
  limit: usdAmount.nullable().optional(),
  limit_reset: z.enum(LIMIT_RESETS).nullable().optional(),
  include_byok_in_limit: z.boolean().optional(),
  expires_at: z.iso
    .datetime({ error: '`expires_at` must be an ISO-8601 UTC date-time (ending in Z)' })
    .nullable()
    .optional(),
  creator_user_id: z.string().nullable().optional(),
  workspace_id: z.string().optional(),
  store_content: z.boolean().nullable().optional(),
});

/** `PATCH /api/v1/keys/{hash}` body. */
export const UpdateApiKeyRequestSchema = z.object({
  name: z.string().min(1).max(200).optional(),
  disabled: z.boolean().optional(),
  limit: usdAmount.nullable().optional(),
  limit_reset: z.enum(LIMIT_RESETS).nullable().optional(),
  include_byok_in_limit: z.boolean().optional(),
  store_content: z.boolean().nullable().optional(),
});

/** `GET /api/v1/keys` query. */
export const ListApiKeysQuerySchema = z.object({
  include_disabled: z.enum(['true', 'false']).optional(),
  offset: z.coerce.number().int().nonnegative().optional(),
  workspace_id: z.string().optional(),
});

/** `GET /api/v1/key`: the calling key. */
export const CurrentKeySchema = ApiKeySchema.pick({
  label: true,
  limit: true,
  limit_remaining: true,
  limit_reset: true,
  include_byok_in_limit: true,
  usage: true,
  usage_daily: true,
  usage_weekly: true,
  usage_monthly: true,
  byok_usage: true,
  byok_usage_daily: true,
  byok_usage_weekly: true,
  byok_usage_monthly: true,
  creator_user_id: true,
  expires_at: true,
}).extend({
  is_free_tier: z.boolean(),
  is_management_key: z.boolean(),
  is_provisioning_key: z.boolean(),
  organization_id: z.string().nullable(),
  workspace_id: z.string().nullable(),
  allowed_data_regions: z.array(z.string()),
  free_model_daily_requests: z.object({ limit: z.int(), remaining: z.int(), used: z.int() }),
  rate_limit: z.object({ requests: z.int(), interval: z.string(), note: z.string() }),
});

/** `GET /api/v1/credits`. */
export const CreditsSchema = z.object({
  total_credits: z.number(),
  total_usage: z.number(),
});

/** `POST /api/v1/credits` (Tollgate operator extension): add or correct account credit. */
export const AddCreditsRequestSchema = z.object({
  amount: z
    .number({ error: '`amount` must be a number of USD' })
    .finite()
    .refine((value) => value !== 0, { error: '`amount` must not be zero' })
    .refine((value) => Math.abs(value) <= 1_000_000, {
      error: '`amount` must be at most 1,000,000 USD in absolute value',
    }),
  note: z.string().max(500).optional(),
});

/** One credit grant of `GET /api/v1/credits/grants` (Tollgate extension). */
export const CreditGrantSchema = z.object({
  id: z.string().describe('The grant id.'),
  amount: z.number().describe('USD granted; negative for a correction.'),
  amount_exact: z
    .string()
    .describe('The same amount as an exact decimal string (up to 12 decimals), e.g. `"-2.5"`.'),
  note: z.string().nullable().describe("The operator's note, or null."),
  created_at: z.string().describe('When it was granted (ISO 8601, UTC).'),
});

/** Query of `GET /api/v1/credits/grants`. */
export const ListCreditGrantsQuerySchema = z.object({
  limit: z.string().optional().describe('How many of the newest grants, 1–1000 (default 100).'),
});

/** Path of `/api/v1/keys/{hash}`: the key's hex SHA-256. */
export const ApiKeyHashParamsSchema = z.object({
  hash: z
    .string()
    .regex(/^[0-9a-f]{64}$/, { error: 'must be a hex SHA-256 (64 characters)' })
    .describe('Hex SHA-256 of the key (its `hash`).'),
});

/** Body of `GET /api/v1/keys`. */
export const ApiKeyListResponseSchema = z.object({ data: z.array(ApiKeySchema) });

/** Body of `GET /api/v1/keys`. */
export type ApiKeyListResponse = z.infer<typeof ApiKeyListResponseSchema>;

/** Body of `GET` and `PATCH /api/v1/keys/{hash}`. */
export const ApiKeyResponseSchema = z.object({ data: ApiKeySchema });

/** Body of `GET` and `PATCH /api/v1/keys/{hash}`. */
export type ApiKeyResponse = z.infer<typeof ApiKeyResponseSchema>;

/** Body of `POST /api/v1/keys`: the new key's record and, this once, its secret. */
export const CreateApiKeyResponseSchema = z.object({
  data: ApiKeySchema,
  key: z.string().describe('The new key (`sk-tg-v1-…`); only this response ever contains it.'),
});

/** Body of `POST /api/v1/keys`. */
export type CreateApiKeyResponse = z.infer<typeof CreateApiKeyResponseSchema>;

/** Body of `DELETE /api/v1/keys/{hash}`. */
export const DeleteApiKeyResponseSchema = z.object({ deleted: z.literal(true) });

/** Body of `DELETE /api/v1/keys/{hash}`. */
export type DeleteApiKeyResponse = z.infer<typeof DeleteApiKeyResponseSchema>;

/** Body of `GET /api/v1/key` (and its alias `/api/v1/auth/key`). */
export const CurrentKeyResponseSchema = z.object({ data: CurrentKeySchema });

/** Body of `GET /api/v1/key`. */
export type CurrentKeyResponse = z.infer<typeof CurrentKeyResponseSchema>;

/** Body of `GET` and `POST /api/v1/credits`. */
export const CreditsResponseSchema = z.object({ data: CreditsSchema });

/** Body of `GET` and `POST /api/v1/credits`. */
export type CreditsResponse = z.infer<typeof CreditsResponseSchema>;

/** Body of `GET /api/v1/credits/grants`: the newest grants first. */
export const CreditGrantsResponseSchema = z.object({ data: z.array(CreditGrantSchema) });

/** Body of `GET /api/v1/credits/grants`. */
export type CreditGrantsResponse = z.infer<typeof CreditGrantsResponseSchema>;
