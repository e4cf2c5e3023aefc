import Fastify, { type FastifyInstance } from 'fastify';
import { DEFAULTS } from './config/defaults.js';
import type { HttpLimits } from './config/settings.js';
import type { GatewayError } from './errors/gateway-error.js';
import type { GatewayContext } from './gateway-context.js';
import { GenerationPipeline } from './generation/pipeline.js';
import { handleClientError, handleFrameworkError } from './http/client-errors.js';
import { installCors } from './http/cors.js';
import { installErrorHandling } from './http/handle-errors.js';
import { createGatewayHttpServer, type FastLane } from './http/http-server.js';
import { installAdmission } from './http/install-admission.js';
import { DEFAULT_BODY_LIMIT, parseJsonBody } from './http/request-body.js';
import { createRequestId } from './ledger/ids.js';
import { installOperations, type Operations } from './ops/install-operations.js';
import type { ReadinessCheck } from './ops/readiness.js';
import { registerAccount } from './routes/account.js';
import { registerActivity } from './routes/activity.js';
import { registerAuthKeys } from './routes/auth-keys.js';
import { registerChatCompletions } from './routes/chat-completions.js';
import { registerCompletions } from './routes/completions.js';
import { registerConsentPage } from './routes/consent-page.js';
import { registerConsole } from './routes/console.js';
import { registerDocs } from './routes/docs.js';
import { registerEmbeddings } from './routes/embeddings.js';
import { createLookupLane, registerGeneration } from './routes/generation.js';
import { registerGenerations } from './routes/generations.js';
import { registerHealth, registerReady } from './routes/health.js';
import { registerKeys } from './routes/keys.js';
import { createMeteredLane } from './routes/metered-lane.js';
import { registerModels } from './routes/models.js';
import { registerOpenApi } from './routes/openapi.js';
import { registerProviders } from './routes/providers.js';

/** HTTP settings of the app. */
export interface AppOptions {
  /** Largest accepted request body in bytes (413 beyond). */
  bodyLimit?: number | undefined;
  /** Metrics, access logs and `GET /metrics` (absent: none of them). */
  operations?: Operations | undefined;
  /** `GET /ready`'s probe (absent: no `/ready`). */
  readiness?: ReadinessCheck | undefined;
  /** Origins allowed to call from a browser (CORS); default `['*']`. */
  corsOrigins?: readonly string[] | undefined;
  /** Origins besides loopback that may receive OAuth codes (`oauth_callback_origins`). */
  oauthCallbackOrigins?: readonly string[] | undefined;
  /** Timeouts and connections per address of the HTTP server (config `http:`). */
  httpLimits?: HttpLimits | undefined;
}

/**
 * Parses every request body as JSON whatever its Content-Type, with `parseJsonBody`'s 400s (the
 * metered lane parses with the same function).
 */
function installJsonBodyParser(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => {
    let parsed: unknown;
    try {
      parsed = parseJsonBody(body as Buffer);
    } catch (error) {
      done(error as GatewayError, null);
      return;
    }
    done(null, parsed);
  });
}

/** The lookup lane (GETs), then the metered lane (POSTs): each declines what it does not take. */
function fastLanes(lookup: FastLane, metered: FastLane): FastLane {
  return (request, response, fallback) =>
    lookup(request, response, fallback) || metered(request, response, fallback);
}

/** Builds the gateway's Fastify app from its dependencies. Never listens by itself. */
export function createApp(context: GatewayContext, options: AppOptions = {}): FastifyInstance {
  const pipeline = new GenerationPipeline(context);
  const httpServer = createGatewayHttpServer(
    options.httpLimits ?? DEFAULTS.http,
    fastLanes(createLookupLane(context, options), createMeteredLane(context, pipeline, options)),
  );
  const app = Fastify({
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    logger: false,
    // Unique across nodes and restarts, in the shape of records' request_id (access logs).
    genReqId: () => createRequestId(Date.now()),
    serverFactory: httpServer.serverFactory,
    // Requests arriving during a drain are answered 503 in the envelope by the server itself
    // (httpServer.drain below), not with Fastify's own body.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
    clientErrorHandler: handleClientError,
    frameworkErrors: handleFrameworkError,
  });
  app.addHook('preClose', (done) => {
    httpServer.drain();
    done();
  });
  installJsonBodyParser(app);
  installErrorHandling(app, context);
  installAdmission(app, context);
  installCors(app, options.corsOrigins);
  if (options.operations !== undefined) installOperations(app, options.operations);
  registerHealth(app);
  if (options.readiness !== undefined) registerReady(app, options.readiness);
  registerChatCompletions(app, context, pipeline);
  registerCompletions(app, context, pipeline);
  registerEmbeddings(app, context, pipeline);
  registerGeneration(app, context);
  registerGenerations(app, context);
  registerActivity(app, context);
  registerKeys(app, context);
  registerAccount(app, context);
  const authKeys = { callbackOrigins: options.oauthCallbackOrigins ?? [] };
  registerAuthKeys(app, context, authKeys);
  registerConsentPage(app, authKeys);
  registerModels(app, context);
  registerProviders(app, context);
  registerOpenApi(app);
  registerDocs(app);
  registerConsole(app);
  return app;
}
