import { Readable } from 'node:stream';
import { GenerationRecordSchema, ListGenerationsQuerySchema } from '@tollgate/protocol';
import type { FastifyInstance } from 'fastify';
import { GatewayError } from '../errors/gateway-error.js';
import type { GatewayContext } from '../gateway-context.js';
import { authorize } from '../http/authorize.js';
import { validate } from '../http/validate.js';
import { toRecordTimestamp } from '../ledger/ids.js';
import { parseUsd } from '../ledger/money.js';
import type { GenerationCursor, GenerationFilter, ReportStore } from '../storage/storage.js';

const DEFAULT_PAGE = 50;
const MAX_PAGE = 200;
/** Rows per query of an export: memory stays bounded by one batch whatever the export's size. */
const EXPORT_BATCH = 500;
/** `created_at` as records store it: `2026-12-07T02:49:48.123000+00:00`. */
const RECORD_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00$/;
/** The CSV export's columns: the record's fields, in `GET /generation`'s order. */
const CSV_COLUMNS = [
  ...Object.keys(GenerationRecordSchema.shape),
  'native_tokens_cache_write',
  'cost_status',
  'price_version',
  'cost_breakdown',
];

function badParameter(parameter: string, message: string): GatewayError {
  return new GatewayError('invalid_request', `query parameter \`${parameter}\` ${message}`, {
    metadata: { parameter },
  });
}

/** An ISO 8601 instant or a UTC day, as the records' `created_at` text (which sorts in time). */
function parseInstant(value: string, parameter: string): string {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(value)
    ? Date.parse(`${value}T00:00:00.000Z`)
    : /^\d{4}-\d{2}-\d{2}T/.test(value)
      ? Date.parse(value)
      : Number.NaN;
  if (Number.isNaN(ms)) throw badParameter(parameter, 'must be YYYY-MM-DD or an ISO 8601 instant');
  return toRecordTimestamp(ms);
}

/** The opaque cursor: base64url of `<created_at> <id>` of a page's last row. */
function encodeCursor(cursor: GenerationCursor): string {
  return Buffer.from(`${cursor.createdAt} ${cursor.id}`, 'utf8').toString('base64url');
}

function decodeCursor(value: string): GenerationCursor {
  const text = Buffer.from(value, 'base64url').toString('utf8');
  const space = text.indexOf(' ');
  const createdAt = text.slice(0, space);
  const id = text.slice(space + 1);
  if (space < 0 || !RECORD_TIMESTAMP.test(createdAt) || id === '' || id.length > 128) {
    throw badParameter('cursor', 'is not a cursor this endpoint returned');
  }
  return { createdAt, id };
}

/**
 * Text a spreadsheet would run as a formula when the file is opened: a cell starting with `=`,
 * `+`, `-`, `@`, a tab or a carriage return (OWASP's list for CSV injection).
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV cell (RFC 4180): objects as JSON, null as empty, quoted when needed. Free text a
 * caller sent (`user`, `session_id`, the referer, …) that starts like a formula is prefixed with
 * `'`, so a spreadsheet shows it instead of running it; numbers are never text here, and NDJSON
 * carries every value exactly.
 */
function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Every matching record, newest first, fetched in keyset batches as the consumer reads. */
async function* exportRows(
  reports: ReportStore,
  filter: GenerationFilter,
  format: 'ndjson' | 'csv',
): AsyncGenerator<string> {
  if (format === 'csv') yield `${CSV_COLUMNS.join(',')}\r\n`;
  let after: GenerationCursor | null = null;
  for (;;) {
    const rows = await reports.listGenerations(filter, after, EXPORT_BATCH);
    if (rows.length === 0) return;
    let chunk = '';
    for (const row of rows) {
      if (format === 'ndjson') {
        chunk += `${row.record}\n`;
      } else {
        const record = JSON.parse(row.record) as Record<string, unknown>;
        chunk += `${CSV_COLUMNS.map((column) => csvCell(record[column])).join(',')}\r\n`;
      }
    }
    yield chunk;
    if (rows.length < EXPORT_BATCH) return;
    const last = rows[rows.length - 1];
    if (last === undefined) return;
    after = { createdAt: last.createdAt, id: last.id };
  }
}

/**
 * `GET /api/v1/generations` (Tollgate extension): the generations log with filters, newest first,
 * keyset-paginated on (created_at, id) so concurrent inserts never shift a page; `format=ndjson`
 * or `csv` streams every match at constant memory. A key sees its own; management keys all.
 */
export function registerGenerations(app: FastifyInstance, context: GatewayContext): void {
  app.get('/api/v1/generations', async (request, reply) => {
    const caller = await authorize(context, request);
    const query = validate(ListGenerationsQuerySchema, request.query ?? {}, 'query');
    if (
      !caller.key.isManagement &&
      query.key_hash !== undefined &&
      query.key_hash !== caller.key.hash
    ) {
      throw new GatewayError('forbidden', "Only management keys can list other keys' generations", {
        metadata: { parameter: 'key_hash' },
      });
    }
    let minCostPico: bigint | null = null;
    if (query.min_cost !== undefined) {
      try {
        minCostPico = parseUsd(query.min_cost);
      } catch {
        throw badParameter('min_cost', 'must be a non-negative USD decimal (≤ 12 decimals)');
      }
    }
    let limit = DEFAULT_PAGE;
    if (query.limit !== undefined) {
      limit = Number(query.limit);
      if (!/^\d+$/.test(query.limit) || limit < 1 || limit > MAX_PAGE) {
        throw badParameter('limit', `must be an integer from 1 to ${MAX_PAGE}`);
      }
    }
    const filter: GenerationFilter = {
      keyHash: caller.key.isManagement ? (query.key_hash ?? null) : caller.key.hash,
      sinceIso: query.from === undefined ? null : parseInstant(query.from, 'from'),
      beforeIso: query.to === undefined ? null : parseInstant(query.to, 'to'),
      model: query.model ?? null,
      providerName: query.provider ?? null,
      externalUser: query.external_user ?? null,
      sessionId: query.session_id ?? null,
      apiType: query.api_type ?? null,
      outcome: query.outcome ?? null,
      minCostPico,
    };
    for (const [parameter, value] of Object.entries(query)) {
      if (typeof value === 'string' && value.includes('\u0000')) {
        throw badParameter(parameter, 'must not contain the NUL character');
      }
    }
    const reports = context.storage.reports;
    const format = query.format ?? 'json';
    if (format !== 'json') {
      const stamp = new Date(context.now()).toISOString().replace(/[:.]/g, '-');
      return reply
        .code(200)
        .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
        .header('content-disposition', `attachment; filename="generations-${stamp}.${format}"`)
        .send(Readable.from(exportRows(reports, filter, format), { objectMode: false }));
    }
    const after = query.cursor === undefined ? null : decodeCursor(query.cursor);
    // One row more than the page tells whether another page exists.
    const rows = await reports.listGenerations(filter, after, limit + 1);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const nextCursor =
      rows.length > limit && last !== undefined
        ? JSON.stringify(encodeCursor({ createdAt: last.createdAt, id: last.id }))
        : 'null';
    // The stored record texts are spliced in as they are, never parsed and re-serialized.
    const body = `{"data":[${page.map((row) => row.record).join(',')}],"next_cursor":${nextCursor}}`;
    return reply.code(200).type('application/json; charset=utf-8').send(body);
  });
}
