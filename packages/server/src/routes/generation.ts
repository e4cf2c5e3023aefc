import type { IncomingMessage, ServerResponse } from 'node:http';
import { GetGenerationContentQuerySchema, GetGenerationQuerySchema } from '@tollgate/protocol';
import type { FastifyInstance } from 'fastify';
import type { Caller } from '../accounts/api-keys.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { GatewayContext } from '../gateway-context.js';
import { AuthorizationHashes, authorize, authorizeCached } from '../http/authorize.js';
import { createCorsHeaders } from '../http/cors.js';
import type { FastLane } from '../http/http-server.js';
import { validate } from '../http/validate.js';
import { awaitInflightRecord } from '../ledger/await-inflight-record.js';
import { unpackContent } from '../ledger/generation-content.js';
import { createRequestId } from '../ledger/ids.js';
import { logAccess, type Operations } from '../ops/install-operations.js';
import type { StoredGeneration } from '../storage/storage.js';

const LOOKUP_ROUTE = '/api/v1/generation';
const JSON_TYPE = 'application/json; charset=utf-8';

/** Another key's generation is answered exactly like a missing one; management keys read all. */
function readableBy(
  stored: StoredGeneration | undefined,
  caller: Caller,
): stored is StoredGeneration {
  return stored !== undefined && (stored.keyHash === caller.key.hash || caller.key.isManagement);
}

/** The lookup's body: the stored record, byte for byte as committed. */
function lookupBody(stored: StoredGeneration): string {
  return `{"data":${stored.record}}`;
}

/**
 * `GET /api/v1/generation?id=`: the stored record, byte for byte as committed; an id still in
 * flight somewhere in the deployment is waited for (up to `inflight.lookup_wait_ms`). Another key's
 * generation is answered exactly like a missing one (404); management keys read all.
 */
export function registerGeneration(app: FastifyInstance, context: GatewayContext): void {
  app.get(LOOKUP_ROUTE, async (request, reply) => {
    const caller = await authorize(context, request);
    const { id } = validate(GetGenerationQuerySchema, request.query, 'query');
    let stored = id.length > 128 ? undefined : await context.storage.generations.get(id);
    // A miss may be a generation still in flight (a stream ending, or a dead node's row about to
    // be recovered): wait for its record, bounded (docs/decisions/0017).
    if (stored === undefined && id.length <= 128 && context.inflightLookup.waitMs > 0) {
      const keyHash = caller.key.isManagement ? null : caller.key.hash;
      stored = await awaitInflightRecord(context.inflightLookup, id, keyHash);
    }
    if (!readableBy(stored, caller)) {
      throw new GatewayError('not_found', `Generation ${id.slice(0, 128)} not found`);
    }
    return reply.type(JSON_TYPE).send(lookupBody(stored));
  });

  // The prompt and output, when `store_content` kept them (403 otherwise, as OpenRouter does).
  app.get('/api/v1/generation/content', async (request, reply) => {
    const caller = await authorize(context, request);
    const { id } = validate(GetGenerationContentQuerySchema, request.query, 'query');
    const stored = id.length > 128 ? undefined : await context.storage.generations.get(id);
    if (!readableBy(stored, caller)) {
      throw new GatewayError('not_found', `Generation ${id.slice(0, 128)} not found`);
    }
    const content = await context.storage.generations.getContent(id);
    if (content === undefined) {
      throw new GatewayError('forbidden', 'Content was not stored for this generation', {
        metadata: { store_content: false },
      });
    }
    const json = await unpackContent(content);
    return reply.type(JSON_TYPE).send(`{"data":${json}}`);
  });
}

/** `GET /api/v1/generation?id=` with nothing else in the query: all the fast lane takes. */
const LOOKUP_PREFIX = `${LOOKUP_ROUTE}?id=`;

/**
 * Ids the fast lane reads as they are: what Tollgate and OpenRouter hand out (`gen-…`), nothing a
 * query-string parser would decode differently. Anything else goes through Fastify's route.
 */
const PLAIN_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** What the fast lane needs besides the gateway's context. */
export interface LookupLaneOptions {
  operations?: Operations | undefined;
  corsOrigins?: readonly string[] | undefined;
}

/**
 * `GET /api/v1/generation?id=` answered before Fastify when the record is there to read: the
 * hottest read of the API, where Fastify's request lifecycle cost more than the read itself
 * (docs/decisions/0033-lookup-fast-lane.md). The lane answers only one outcome — 200 with the
 * record, the same bytes and headers as the route above — and hands every other request to
 * Fastify untouched: a key it cannot authenticate, a rate-limited key (its request is counted
 * once, there), an id that is missing, in flight or another key's, any other query, a body. A
 * request it answers is logged and counted like any other.
 *
 * With the key in the authenticator's cache and a store that reads synchronously (SQLite), the
 * lane answers within the request's own event, without a promise: 45 → 37 µs of server CPU per
 * lookup (bench/lookup-cpu-ab.ts).
 */
export function createLookupLane(context: GatewayContext, options: LookupLaneOptions): FastLane {
  const corsHeaders = createCorsHeaders(options.corsOrigins);
  const operations = options.operations;
  const { storage } = context;
  const hashes = new AuthorizationHashes();
  const answer = (
    request: IncomingMessage,
    response: ServerResponse,
    body: string,
    started: bigint,
  ) => {
    if (operations !== undefined) logOnClose(response, operations, started);
    const cors = corsHeaders(request.headers.origin);
    const type = { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(body) };
    response.writeHead(200, cors === null ? type : { ...cors, ...type });
    response.end(body);
  };
  return (request, response, fallback) => {
    const url = request.url;
    if (request.method !== 'GET' || url === undefined || !url.startsWith(LOOKUP_PREFIX)) {
      return false;
    }
    const id = url.slice(LOOKUP_PREFIX.length);
    const { headers } = request;
    const authorization = headers.authorization;
    if (
      authorization === undefined ||
      !PLAIN_ID.test(id) ||
      headers['transfer-encoding'] !== undefined ||
      (headers['content-length'] ?? '0') !== '0'
    ) {
      return false;
    }
    const started = process.hrtime.bigint();
    const getNow = storage.generations.getNow;
    // A rate-limited key is counted by the route: authorizeCached leaves it to readOwnRecord.
    const caller = getNow === undefined ? undefined : authorizeCached(context, hashes, request);
    if (caller !== undefined && getNow !== undefined) {
      let stored: StoredGeneration | undefined;
      try {
        stored = getNow(id);
      } catch {
        // A failed read is answered by the route, which logs it and sends the envelope.
        stored = undefined;
      }
      if (readableBy(stored, caller)) answer(request, response, lookupBody(stored), started);
      else fallback(request, response);
      return true;
    }
    readOwnRecord(context, authorization, id).then(
      (body) => {
        if (body === null) fallback(request, response);
        else answer(request, response, body, started);
      },
      // A failed read is answered by the route, which logs it and sends the envelope.
      () => fallback(request, response),
    );
    return true;
  };
}

/** The record's body when `authorization`'s key may read `id` with no side effect; else null. */
async function readOwnRecord(
  context: GatewayContext,
  authorization: string,
  id: string,
): Promise<string | null> {
  let caller: Caller;
  try {
    caller = await context.authenticator.authenticate(authorization);
  } catch {
    return null;
  }
  if ((caller.key.rateLimit ?? context.defaultRateLimit) !== null) return null;
  const stored = await context.storage.generations.get(id);
  return readableBy(stored, caller) ? lookupBody(stored) : null;
}

/** What the access log needs of a response the lane answered, read when it closes. */
interface LoggedResponse extends ServerResponse {
  [LANE_ACCESS]?: { operations: Operations; requestId: string; started: bigint };
}

const LANE_ACCESS = Symbol('tollgate.lookupAccess');

/** One `close` listener shared by every response the lane answers (no closure per request). */
function onLaneClose(this: LoggedResponse): void {
  const access = this[LANE_ACCESS];
  if (access === undefined) return;
  logAccess(access.operations.accessLogger, access.operations.metrics, {
    requestId: access.requestId,
    generationId: null,
    method: 'GET',
    route: LOOKUP_ROUTE,
    status: this.statusCode,
    seconds: Number(process.hrtime.bigint() - access.started) / 1e9,
    aborted: !this.writableFinished,
  });
}

function logOnClose(response: LoggedResponse, operations: Operations, started: bigint): void {
  response[LANE_ACCESS] = { operations, requestId: createRequestId(Date.now()), started };
  response.on('close', onLaneClose);
}
