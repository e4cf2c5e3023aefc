import { z } from 'zod';
import { GenerationIdParameter, GenerationRecordSchema } from './generation.js';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** `GET /api/v1/activity` query. */
export const ActivityQuerySchema = z.object({
  date: z
    .string()
    .regex(DAY, { error: 'query parameter `date` must be a UTC day as YYYY-MM-DD' })
    .optional()
    .describe('One UTC day (`YYYY-MM-DD`) among the last 30 completed days; absent = all 30.'),
});

/** One `/activity` item: a UTC day × model × endpoint, as OpenRouter serves it. */
export const ActivityItemSchema = z.object({
  date: z.string().describe('UTC day, `YYYY-MM-DD`.'),
  model: z.string().describe('Model id clients sent.'),
  model_permaslug: z.string().describe('Canonical model slug (Tollgate: the model id).'),
  endpoint_id: z
    .string()
    .describe('Endpoint that served the requests (`<provider>/<upstream model>`; "" if none).'),
  provider_name: z.string().describe('Provider that served them ("" if none).'),
  usage: z.number().describe('USD charged to keys (for BYOK, the gateway fee).'),
  byok_usage_inference: z
    .number()
    .describe("USD the providers billed to key owners' own credentials (BYOK)."),
  requests: z.int().describe('Generations.'),
  prompt_tokens: z.int().describe('Native prompt tokens.'),
  completion_tokens: z.int().describe('Native completion tokens.'),
  reasoning_tokens: z.int().describe('Native reasoning tokens.'),
});

/** `GET /api/v1/activity` response. */
export const ActivityResponseSchema = z.object({ data: z.array(ActivityItemSchema) });

/** One `/activity` item. */
export type ActivityItem = z.infer<typeof ActivityItemSchema>;
/** `GET /api/v1/activity` response. */
export type ActivityResponse = z.infer<typeof ActivityResponseSchema>;

/** `outcome` filter values of the generations log. */
export const GENERATION_OUTCOMES = ['ok', 'error', 'cancelled'] as const;

/** `GET /api/v1/generations` query (Tollgate extension). */
export const ListGenerationsQuerySchema = z.object({
  from: z.string().optional().describe('Created at or after this ISO 8601 instant or UTC day.'),
  to: z.string().optional().describe('Created before this ISO 8601 instant or UTC day.'),
  key_hash: z
    .string()
    .optional()
    .describe("Only this key's generations (management keys; a key always sees only its own)."),
  model: z.string().optional().describe('Model id, e.g. `tollgate/demo`.'),
  provider: z.string().optional().describe('Provider name as in records (`provider_name`).'),
  external_user: z.string().optional().describe('The request’s `user`.'),
  session_id: z.string().optional().describe('The request’s `session_id`.'),
  api_type: z.string().optional().describe('`completions` or `embeddings`.'),
  outcome: z.enum(GENERATION_OUTCOMES).optional().describe('`ok`, `error` or `cancelled`.'),
  min_cost: z
    .string()
    .optional()
    .describe('Only generations whose `usage` is at least this (USD).'),
  limit: z.string().optional().describe('Page size, 1–200 (default 50). Ignored by exports.'),
  cursor: z.string().optional().describe('`next_cursor` of the previous page.'),
  format: z
    .enum(['json', 'ndjson', 'csv'])
    .optional()
    .describe('`json` (a page, default), or a streamed export of every match: `ndjson`, `csv`.'),
});

/** `GET /api/v1/generations` JSON page. */
export const ListGenerationsResponseSchema = z.object({
  data: z.array(GenerationRecordSchema).describe('Records, newest first, as `GET /generation`.'),
  next_cursor: z
    .string()
    .nullable()
    .describe('Pass as `cursor` for the next page; null on the last page.'),
});

/** `GET /api/v1/generations` JSON page. */
export type ListGenerationsResponse = z.infer<typeof ListGenerationsResponseSchema>;

/** `GET /api/v1/activity/summary` query (Tollgate extension). */
export const ActivitySummaryQuerySchema = z.object({
  group_by: z
    .enum(['key', 'external_user', 'model', 'provider'])
    .describe('Group by key hash, `external_user`, model or provider.'),
  granularity: z.enum(['day', 'hour']).optional().describe('Period size (default `day`).'),
  from: z
    .string()
    .optional()
    .describe('First period (inclusive): `YYYY-MM-DD` or an ISO instant on the period boundary.'),
  to: z
    .string()
    .optional()
    .describe('End (exclusive), on a period boundary; default: the end of the current period.'),
});

/** Summed usage in a summary (money as USD numbers and exact decimal strings). */
export const UsageMeasuresSchema = z.object({
  usage: z.number().describe('USD charged to keys.'),
  usage_exact: z
    .string()
    .describe('The same amount as an exact decimal string (pico-USD precision).'),
  byok_usage_inference: z.number().describe('USD billed to BYOK credentials.'),
  byok_usage_inference_exact: z.string(),
  requests: z.int(),
  prompt_tokens: z.int(),
  completion_tokens: z.int(),
  reasoning_tokens: z.int(),
});

/** `GET /api/v1/activity/summary` response. */
export const ActivitySummaryResponseSchema = z.object({
  data: z.array(
    UsageMeasuresSchema.extend({
      period: z.string().describe('`YYYY-MM-DD` or `YYYY-MM-DDTHH` (UTC).'),
      group: z
        .string()
        .nullable()
        .describe('Key hash, external user, model or provider name (null: no provider).'),
    }),
  ),
  totals: UsageMeasuresSchema.describe('Sum over every row.'),
  from: z.string().describe('First period included.'),
  to: z.string().describe('First period not included.'),
  granularity: z.enum(['day', 'hour']),
  group_by: z.enum(['key', 'external_user', 'model', 'provider']),
});

/** `GET /api/v1/activity/summary` response. */
export type ActivitySummaryResponse = z.infer<typeof ActivitySummaryResponseSchema>;

/** `GET /api/v1/generation/content` query. */
export const GetGenerationContentQuerySchema = z.object({ id: GenerationIdParameter });

/** One upstream attempt that failed before the error a generation returned. */
export const GenerationContentErrorAttemptSchema = z.object({
  code: z
    .int()
    .describe(
      "HTTP status the attempt returned; for an attempt that got no response (unreachable, timed out), the gateway's status for that failure.",
    ),
  message: z.string().describe('Error message of the attempt.'),
  provider_name: z.string().nullable().describe('Provider that served the attempt.'),
  raw: z
    .string()
    .nullable()
    .describe("The provider's raw error body, cut to 4 KiB, when the error carried one."),
});

/** The stored failure of a generation: the error its client received, and what came before. */
export const GenerationContentErrorSchema = z.object({
  message: z
    .string()
    .nullable()
    .describe(
      "Error message returned to the client; for finish_reason `error`, the choice error's message, or a message naming the finish reason.",
    ),
  status: z
    .int()
    .nullable()
    .describe(
      "Status returned to the client (a stream's error chunk `code` once it had started); for a generation the provider ended with finish_reason `error`, its choice error's `code`, or null when it sent none.",
    ),
  provider_name: z
    .string()
    .nullable()
    .describe('Provider whose error was returned; null when the gateway itself failed it.'),
  raw: z
    .string()
    .nullable()
    .describe("The provider's raw error body, cut to 4 KiB, when the error carried one."),
  previous_errors: z
    .array(GenerationContentErrorAttemptSchema)
    .describe('Every upstream attempt that failed before the returned error, in attempt order.'),
});

/** `GET /api/v1/generation/content` response: what was sent and produced, when stored. */
export const GenerationContentResponseSchema = z.object({
  data: z.object({
    input: z
      .union([
        z.object({ messages: z.array(z.unknown()) }),
        z.object({
          prompt: z
            .string()
            .describe(
              'The prompt as one string: several texts joined by a newline; token ids as the JSON of the list (or lists) sent.',
            ),
          prompts: z
            .array(z.string())
            .optional()
            .describe('Tollgate: each text of a request that sent several, exactly.'),
        }),
      ])
      .describe('Chat `messages`, or the `prompt` of legacy completions and embeddings.'),
    output: z.object({
      completion: z.string().describe('Content and tool calls.'),
      reasoning: z.string().nullable(),
    }),
    error: GenerationContentErrorSchema.nullable().describe(
      'The stored failure of a failed generation; null when it succeeded (fallbacks included) or the client left.',
    ),
  }),
});

/** The stored failure of a generation (`error` of `GET /api/v1/generation/content`). */
export type GenerationContentError = z.infer<typeof GenerationContentErrorSchema>;
