import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../gateway-context.js';
import { registerModels } from './models.js';
import { registerProviders } from './providers.js';

/** The public catalog routes: models (list, count, one, endpoints) and providers. */
export function registerCatalog(app: FastifyInstance, context: GatewayContext): void {
  registerModels(app, context);
  registerProviders(app, context);
}
