import type { ProvidersResponse } from '@tollgate/protocol';
import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../gateway-context.js';
import { toWireProvider } from './to-wire-provider.js';

/**
 * `GET /api/v1/providers`: every configured provider. Public, as on OpenRouter; the body is
 * serialized once from the immutable catalog.
 */
export function registerProviders(app: FastifyInstance, context: GatewayContext): void {
  const response: ProvidersResponse = {
    data: context.catalog.listProviders().map(toWireProvider),
  };
  const body = JSON.stringify(response);
  app.get('/api/v1/providers', async (_request, reply) =>
    reply.type('application/json; charset=utf-8').send(body),
  );
}
