import Fastify, { type FastifyInstance } from 'fastify';
import { GatewayError } from './errors/gateway-error.js';
import type { GatewayContext } from './gateway-context.js';
import { installErrorHandling } from './http/handle-errors.js';
import { registerAccount } from './routes/account.js';
import { registerCatalog } from './routes/catalog.js';
import { registerChatCompletions } from './routes/chat-completions.js';
import { registerCompletions } from './routes/completions.js';
import { registerEmbeddings } from './routes/embeddings.js';
import { registerGeneration } from './routes/generation.js';
import { registerHealth } from './routes/health.js';
import { registerKeys } from './routes/keys.js';

/** HTTP settings of the app. */
export interface AppOptions {
  /** Largest accepted request body in bytes (413 beyond). */
  bodyLimit?: number | undefined;
}

/**
 * Parses every request body as JSON whatever its Content-Type (curl's `-d` sends
 * form-urlencoded by default), with a 400 that says where the JSON broke.
 */
function installJsonBodyParser(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      done(new GatewayError('invalid_request', `Malformed JSON in request body: ${detail}`), null);
    }
  });
}

/** Builds the gateway's Fastify app from its dependencies. Never listens by itself. */
export function createApp(context: GatewayContext, options: AppOptions = {}): FastifyInstance {
  const app = Fastify({
    bodyLimit: options.bodyLimit ?? 10 * 1024 * 1024,
    logger: false,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
  });
  installJsonBodyParser(app);
  installErrorHandling(app, context);
  registerHealth(app);
  registerChatCompletions(app, context);
  registerCompletions(app, context);
  registerEmbeddings(app, context);
  registerGeneration(app, context);
  registerKeys(app, context);
  registerAccount(app, context);
  registerCatalog(app, context);
  return app;
}
