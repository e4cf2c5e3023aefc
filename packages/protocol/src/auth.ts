import { z } from 'zod';
import { LIMIT_RESETS } from './keys.js';

/** How a PKCE code challenge is derived from its verifier (RFC 7636 §4.2). */
export const CODE_CHALLENGE_METHODS = ['S256', 'plain'] as const;

/** A PKCE code challenge method. */
export type CodeChallengeMethod = (typeof CODE_CHALLENGE_METHODS)[number];

const challengeMethod = z.enum(CODE_CHALLENGE_METHODS, {
  error: '`code_challenge_method` must be S256 or plain',
});

/** RFC 7636 §4.1: 43-128 unreserved characters (an S256 challenge is always 43). */
export const CodeChallengeSchema = z
  .string({ error: '`code_challenge` must be a string' })
  .regex(/^[A-Za-z0-9._~-]{43,128}$/, {
    error: '`code_challenge` must be 43-128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636)',
  });

/** A label for the key an authorization code creates (OpenRouter allows 100 characters). */
export const KeyLabelSchema = z
  .string({ error: '`key_label` must be a string' })
  .min(1, { error: '`key_label` must not be empty' })
  .max(100, { error: '`key_label` is limited to 100 characters' });

/** The USD spending limit of the key an authorization code creates. */
export const KeyLimitSchema = z
  .number({ error: '`limit` must be a number of USD' })
  .finite()
  .nonnegative({ error: '`limit` must not be negative' })
  .max(1_000_000, { error: '`limit` must be at most 1,000,000 USD' });

/** `POST /api/v1/auth/keys` body: exchange an authorization code for an API key. */
export const ExchangeAuthCodeRequestSchema = z.object({
  code: z
    .string({
      error: (issue) =>
        issue.input === undefined ? '`code` is required' : '`code` must be a string',
    })
    .min(1, { error: '`code` must not be empty' })
    .max(200, { error: '`code` is limited to 200 characters' }),
  code_verifier: z
    .string({ error: '`code_verifier` must be a string' })
    .max(1024, { error: '`code_verifier` is limited to 1024 characters' })
    .optional(),
  code_challenge_method: challengeMethod.nullable().optional(),
});

/** `POST /api/v1/auth/keys` body. */
export type ExchangeAuthCodeRequest = z.infer<typeof ExchangeAuthCodeRequestSchema>;

/** `POST /api/v1/auth/keys` answer: the new key, this once. */
export const ExchangeAuthCodeResponseSchema = z.object({
  key: z.string().describe('The new inference key (`sk-tg-v1-…`); only this response contains it.'),
  user_id: z
    .string()
    .nullable()
    .describe('`creator_user_id` of the management key that approved; null when it has none.'),
});

/** `POST /api/v1/auth/keys` answer. */
export type ExchangeAuthCodeResponse = z.infer<typeof ExchangeAuthCodeResponseSchema>;

/** `POST /api/v1/auth/keys/code` body: create an authorization code server-side. */
export const CreateAuthCodeRequestSchema = z.object({
  callback_url: z
    .string({ error: '`callback_url` must be a string' })
    .min(1, { error: '`callback_url` must not be empty' })
    .max(2048, { error: '`callback_url` is limited to 2048 characters' })
    .optional()
    .describe(
      "Where the app receives `?code=`: loopback (any port) or an origin in the gateway's `oauth_callback_origins`. Tollgate extension: may be omitted (headless) when `code_challenge` is given.",
    ),
  code_challenge: CodeChallengeSchema.optional(),
  code_challenge_method: challengeMethod.optional(),
  limit: KeyLimitSchema.optional(),
  usage_limit_type: z
    .enum(LIMIT_RESETS, { error: '`usage_limit_type` must be daily, weekly or monthly' })
    .optional(),
  expires_at: z.iso
    .datetime({ error: '`expires_at` must be an ISO-8601 UTC date-time (ending in Z)' })
    .nullable()
    .optional(),
  key_label: KeyLabelSchema.optional(),
  workspace_id: z.string().min(1).max(200).optional(),
});

/** `POST /api/v1/auth/keys/code` body. */
export type CreateAuthCodeRequest = z.infer<typeof CreateAuthCodeRequestSchema>;

/** `POST /api/v1/auth/keys/code` answer. */
export const CreateAuthCodeResponseSchema = z.object({
  data: z.object({
    id: z.string().describe('The authorization code: exchange it at `POST /api/v1/auth/keys`.'),
    app_id: z
      .int()
      .describe("The app's id: derived from its callback origin (the same origin, the same id)."),
    created_at: z.string(),
  }),
});

/** `POST /api/v1/auth/keys/code` answer. */
export type CreateAuthCodeResponse = z.infer<typeof CreateAuthCodeResponseSchema>;
