import type { FastifyInstance } from 'fastify';

/** `GET /health`: 200 once the gateway is serving (liveness). */
export function registerHealth(app: FastifyInstance): void {
  app.get('/health', async (_request, reply) =>
    reply.type('application/json; charset=utf-8').send('{"status":"ok"}'),
  );
}
