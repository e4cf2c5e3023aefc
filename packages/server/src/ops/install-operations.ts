import { timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { GatewayError } from '../errors/gateway-error.js';
import type { GatewayMetrics } from './metrics.js';

/** The operations side of a gateway: metrics and access logs. */
export interface Operations {
  /** Where the access log goes. */
  accessLogger: Logger;
  metrics: GatewayMetrics;
  /** Whether `GET /metrics` is served. */
  metricsEnabled: boolean;
  /** When set, `GET /metrics` requires `Authorization: Bearer <token>`. */
  metricsToken: string | null;
}

const GENERATION_ID_HEADER = /\r\nx-generation-id: ([^\r\n]+)/i;

/** The generation id a response carried, also for streams written to the raw socket. */
function generationIdOf(reply: FastifyReply): string | null {
  const header = reply.getHeader('x-generation-id') ?? reply.raw.getHeader('x-generation-id');
  if (typeof header === 'string') return header;
  // A hijacked stream's headers went out through writeHead(status, headers), which keeps them
  // only in the header block it sent.
  const sent = (reply.raw as ServerResponse & { _header?: unknown })._header;
  if (typeof sent !== 'string') return null;
  return GENERATION_ID_HEADER.exec(sent)?.[1] ?? null;
}

/** Whether a parsed request body asks for a stream (counted as an open stream from then on). */
export function isStreamBody(body: unknown): boolean {
  return (
    typeof body === 'object' && body !== null && (body as { stream?: unknown }).stream === true
  );
}

/** What the access observer keeps of one request until its response closes. */
interface AccessEntry {
  request: FastifyRequest;
  reply: FastifyReply;
  started: bigint;
  streaming: boolean;
  closed: boolean;
}

/** Where a response keeps its {@link AccessEntry}: one object per request, no closures. */
const ACCESS = Symbol('access');

type ObservedResponse = ServerResponse & { [ACCESS]?: AccessEntry };

/** The one access-log line of a request (no spread: `aborted` only when it was). */
interface AccessLine {
  request_id: string;
  generation_id: string | null;
  method: string;
  route: string;
  status: number;
  duration_ms: number;
  aborted?: true;
}

/** What the access log and the request metrics keep of one answered request. */
export interface AccessFacts {
  requestId: string;
  generationId: string | null;
  method: string;
  /** The route pattern, never the URL (a query string may carry secrets). */
  route: string;
  status: number;
  seconds: number;
  /** The connection closed before the response was complete. */
  aborted: boolean;
}

/** Counts a request and writes its one access-log line: every path that answers calls this. */
export function logAccess(logger: Logger, metrics: GatewayMetrics, facts: AccessFacts): void {
  metrics.observeHttp(facts.method, facts.route, facts.status, facts.seconds);
  const line: AccessLine = {
    request_id: facts.requestId,
    generation_id: facts.generationId,
    method: facts.method,
    route: facts.route,
    status: facts.status,
    duration_ms: Math.round(facts.seconds * 1e6) / 1e3,
  };
  if (facts.aborted) line.aborted = true;
  logger.info(line, 'request');
}

/**
 * Counts and logs every request once its response has ended or its connection closed (streams
 * included): one JSON access-log line with request id, generation id, method, route pattern,
 * status and duration — never headers, bodies or query strings, which may carry secrets. The
 * hooks are synchronous and share one `close` listener (docs/decisions/0029-lean-relay-and-hooks.md).
 */
function installAccessObserver(app: FastifyInstance, logger: Logger, metrics: GatewayMetrics) {
  function onClose(this: ObservedResponse): void {
    const entry = this[ACCESS];
    if (entry === undefined) return;
    entry.closed = true;
    if (entry.streaming) metrics.streamOpened(-1);
    const { request, reply } = entry;
    const seconds = Number(process.hrtime.bigint() - entry.started) / 1e9;
    const route = request.routeOptions.url ?? 'unmatched';
    const status = this.statusCode;
    logAccess(logger, metrics, {
      requestId: request.id,
      generationId: generationIdOf(reply),
      method: request.method,
      route,
      status,
      seconds,
      aborted: !this.writableFinished,
    });
  }
  app.addHook('onRequest', (request, reply, done) => {
    const raw = reply.raw as ObservedResponse;
    raw[ACCESS] = {
      request,
      reply,
      started: process.hrtime.bigint(),
      streaming: false,
      closed: false,
    };
    raw.on('close', onClose);
    done();
  });
  // Counted as an open stream once its body is parsed and known to ask for one: only routes that
  // take a body can be asked for a stream, so other routes run no hook for it.
  const countStream = (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const entry = (reply.raw as ObservedResponse)[ACCESS];
    if (entry !== undefined && !entry.closed && !entry.streaming && isStreamBody(request.body)) {
      entry.streaming = true;
      metrics.streamOpened(1);
    }
    done();
  };
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!methods.includes('POST')) return;
    const hooks = route.preHandler;
    // First, as a global hook would run: a stream waiting for a slot is an open stream already.
    route.preHandler = [
      countStream,
      ...(hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks]),
    ];
  });
}

/** Whether the request presents the metrics token (constant-time comparison). */
function hasToken(request: FastifyRequest, token: string): boolean {
  const presented = Buffer.from(request.headers.authorization ?? '');
  const expected = Buffer.from(`Bearer ${token}`);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

/** Installs access logs and request metrics, and serves `GET /metrics` when enabled. */
export function installOperations(app: FastifyInstance, operations: Operations): void {
  const { metrics, metricsToken } = operations;
  installAccessObserver(app, operations.accessLogger, metrics);
  if (!operations.metricsEnabled) return;
  app.get('/metrics', async (request, reply) => {
    if (metricsToken !== null && !hasToken(request, metricsToken)) {
      throw new GatewayError('unauthenticated', 'GET /metrics requires the metrics token');
    }
    const { contentType, body } = await metrics.render();
    return reply.type(contentType).send(body);
  });
}
