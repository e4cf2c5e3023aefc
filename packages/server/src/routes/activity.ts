import {
  type ActivityItem,
  ActivityQuerySchema,
  type ActivityResponse,
  ActivitySummaryQuerySchema,
  type ActivitySummaryResponse,
} from '@tollgate/protocol';
import type { FastifyInstance } from 'fastify';
import { GatewayError } from '../errors/gateway-error.js';
import type { GatewayContext } from '../gateway-context.js';
import { authorize } from '../http/authorize.js';
import { replyJson } from '../http/reply-json.js';
import { validate } from '../http/validate.js';
import { formatUsd, toUsdNumber } from '../ledger/money.js';
import type { SummaryQuery, UsageMeasures } from '../storage/storage.js';
import { addMeasures, emptyMeasures } from '../storage/usage-rollups.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** `/activity` covers the last 30 completed UTC days, as OpenRouter's does. */
const ACTIVITY_DAYS = 30;
/** Widest summary: 400 days by day, 31 days by hour (744 periods × groups rows at most). */
const MAX_PERIODS = { d: 400, h: 31 * 24 } as const;

const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** Parses `YYYY-MM-DD` as a real calendar day (2026-02-30 is not one); the epoch ms or null. */
function parseDay(value: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return null;
  const ms = Date.parse(`${value}T00:00:00.000Z`);
  return Number.isNaN(ms) || dayOf(ms) !== value ? null : ms;
}

function measuresJson(measures: UsageMeasures) {
  return {
    usage: toUsdNumber(measures.usagePico),
    usage_exact: formatUsd(measures.usagePico),
    byok_usage_inference: toUsdNumber(measures.byokUsagePico),
    byok_usage_inference_exact: formatUsd(measures.byokUsagePico),
    requests: Number(measures.requests),
    prompt_tokens: Number(measures.promptTokens),
    completion_tokens: Number(measures.completionTokens),
    reasoning_tokens: Number(measures.reasoningTokens),
  };
}

/**
 * A summary bound: `YYYY-MM-DD`, `YYYY-MM-DDTHH` (hour grain) or an ISO instant exactly on a
 * period boundary (money is summed per whole period, so a bound inside one would not be exact).
 */
function parseBound(value: string, grain: 'd' | 'h', name: string): number {
  const size = grain === 'd' ? DAY_MS : HOUR_MS;
  const day = parseDay(value);
  const ms =
    day ??
    (/^\d{4}-\d{2}-\d{2}T\d{2}$/.test(value) ? Date.parse(`${value}:00:00.000Z`) : null) ??
    (/^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : Number.NaN);
  if (Number.isNaN(ms)) {
    throw new GatewayError(
      'invalid_request',
      `query parameter \`${name}\` must be YYYY-MM-DD or an ISO 8601 instant`,
      { metadata: { parameter: name } },
    );
  }
  if (ms % size !== 0) {
    throw new GatewayError(
      'invalid_request',
      `query parameter \`${name}\` must fall on a UTC ${grain === 'd' ? 'day' : 'hour'} boundary`,
      { metadata: { parameter: name } },
    );
  }
  return ms;
}

const periodOf = (ms: number, grain: 'd' | 'h'): string =>
  new Date(ms).toISOString().slice(0, grain === 'd' ? 10 : 13);

/**
 * `GET /api/v1/activity` (OpenRouter's shape) and `GET /api/v1/activity/summary` (Tollgate
 * extension), both read from the usage rollups written with the records
 * (docs/decisions/0022-activity-rollups.md), never by scanning records.
 */
export function registerActivity(app: FastifyInstance, context: GatewayContext): void {
  app.get('/api/v1/activity', async (request, reply) => {
    const caller = await authorize(context, request);
    if (!caller.key.isManagement) {
      throw new GatewayError('forbidden', 'Only management keys can fetch activity');
    }
    const { date } = validate(ActivityQuerySchema, request.query ?? {}, 'query');
    const todayMs = Math.floor(context.now() / DAY_MS) * DAY_MS;
    const firstMs = todayMs - ACTIVITY_DAYS * DAY_MS;
    let since = dayOf(firstMs);
    let before = dayOf(todayMs);
    if (date !== undefined) {
      const ms = parseDay(date);
      if (ms === null || ms < firstMs || ms >= todayMs) {
        throw new GatewayError(
          'invalid_request',
          `query parameter \`date\` must be one of the last ${ACTIVITY_DAYS} completed UTC days (${since} to ${dayOf(todayMs - DAY_MS)})`,
          { metadata: { parameter: 'date' } },
        );
      }
      since = date;
      before = dayOf(ms + DAY_MS);
    }
    const rows = await context.storage.reports.activity(since, before);
    const data = rows.map(
      (row): ActivityItem => ({
        date: row.day,
        model: row.model,
        model_permaslug: row.model,
        endpoint_id: row.endpointId,
        provider_name: row.providerName,
        usage: toUsdNumber(row.usagePico),
        byok_usage_inference: toUsdNumber(row.byokUsagePico),
        requests: Number(row.requests),
        prompt_tokens: Number(row.promptTokens),
        completion_tokens: Number(row.completionTokens),
        reasoning_tokens: Number(row.reasoningTokens),
      }),
    );
    const body: ActivityResponse = { data };
    return replyJson(reply, 200, body);
  });

  app.get('/api/v1/activity/summary', async (request, reply) => {
    const caller = await authorize(context, request);
    const query = validate(ActivitySummaryQuerySchema, request.query ?? {}, 'query');
    const granularity = query.granularity ?? 'day';
    const grain = granularity === 'day' ? 'd' : 'h';
    const size = grain === 'd' ? DAY_MS : HOUR_MS;
    const toMs =
      query.to === undefined
        ? (Math.floor(context.now() / size) + 1) * size
        : parseBound(query.to, grain, 'to');
    const fromMs =
      query.from === undefined
        ? toMs - (grain === 'd' ? 30 : 24) * size
        : parseBound(query.from, grain, 'from');
    if (fromMs >= toMs) {
      throw new GatewayError('invalid_request', 'query parameter `from` must be before `to`', {
        metadata: { parameter: 'from' },
      });
    }
    if ((toMs - fromMs) / size > MAX_PERIODS[grain]) {
      throw new GatewayError(
        'invalid_request',
        `query parameters \`from\`..\`to\` span more than ${MAX_PERIODS[grain]} ${granularity}s`,
        { metadata: { parameter: 'to' } },
      );
    }
    const summaryQuery: SummaryQuery = {
      grain,
      groupBy: query.group_by,
      sincePeriod: periodOf(fromMs, grain),
      beforePeriod: periodOf(toMs, grain),
      // A key that is not a management key sees only its own usage.
      keyHash: caller.key.isManagement ? null : caller.key.hash,
    };
    const rows = await context.storage.reports.summary(summaryQuery);
    const totals = emptyMeasures();
    for (const row of rows) addMeasures(totals, row);
    const body: ActivitySummaryResponse = {
      data: rows.map((row) => ({
        period: row.period,
        group: query.group_by === 'provider' && row.group === '' ? null : row.group,
        ...measuresJson(row),
      })),
      totals: measuresJson(totals),
      from: summaryQuery.sincePeriod,
      to: summaryQuery.beforePeriod,
      granularity,
      group_by: query.group_by,
    };
    return replyJson(reply, 200, body);
  });
}
