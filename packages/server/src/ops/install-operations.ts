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

function isStreamRequest(request: FastifyRequest): boolean {
  const body = request.body;
  return (
    typeof body === 'object' && body !== null && (body as { stream?: unknown }).stream === true
  );
}

/**
 * Counts and logs every request once its response has ended or its connection closed (streams
 * included): one JSON access-log line with request id, generation id, method, route pattern,
 * status and duration — never headers, bodies or query strings, which may carry secrets.
 */
function installAccessObserver(app: FastifyInstance, logger: Logger, metrics: GatewayMetrics) {
  const streamChecks = new WeakMap<FastifyRequest, () => void>();
  app.addHook('onRequest', async (request, reply) => {
    const started = process.hrtime.bigint();
    let streaming = false;
    let closed = false;
    reply.raw.once('close', () => {
      closed = true;
      if (streaming) metrics.streamOpened(-1);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = request.routeOptions.url ?? 'unmatched';
      const status = reply.raw.statusCode;
      const aborted = !reply.raw.writableFinished;
      metrics.observeHttp(request.method, route, status, seconds);
      logger.info(
        {
          request_id: request.id,
          generation_id: generationIdOf(reply),
          method: request.method,
          route,
          status,
          duration_ms: Math.round(seconds * 1e6) / 1e3,
          ...(aborted ? { aborted: true } : {}),
        },
        'request',
      );
    });
    // Counted as an open stream once its body is parsed and known to ask for one.
    streamChecks.set(request, () => {
      if (closed || streaming || !isStreamRequest(request)) return;
      streaming = true;
      metrics.streamOpened(1);
    });
  });
  app.addHook('preHandler', async (request) => {
    streamChecks.get(request)?.();
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
