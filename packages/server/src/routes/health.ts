import type { HealthResponse } from '@tollgate/protocol';
import type { FastifyInstance } from 'fastify';
import { GatewayError } from '../errors/gateway-error.js';
import type { ReadinessCheck } from '../ops/readiness.js';

const HEALTHY = JSON.stringify({ status: 'ok' } satisfies HealthResponse);

/** `GET /health`: 200 once the gateway is serving (liveness). */
export function registerHealth(app: FastifyInstance): void {
  app.get('/health', async (_request, reply) =>
    reply.type('application/json; charset=utf-8').send(HEALTHY),
  );
}

/**
 * `GET /ready`: 200 `{"status":"ok","checks":{…}}` when storage (and Redis, if configured) can be
 * reached; otherwise 503 in the error envelope with the checks as metadata, so a load balancer
 * stops sending requests this node cannot serve.
 */
export function registerReady(app: FastifyInstance, check: ReadinessCheck): void {
  app.get('/ready', async (_request, reply) => {
    const report = await check();
    if (!report.ready) {
      throw new GatewayError('no_provider_available', 'Not ready: a dependency is unreachable', {
        metadata: { checks: report.checks },
        headers: { 'retry-after': '1' },
      });
    }
    return reply
      .type('application/json; charset=utf-8')
      .send(JSON.stringify({ status: 'ok', checks: report.checks }));
  });
}
