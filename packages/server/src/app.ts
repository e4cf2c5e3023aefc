import Fastify, { type FastifyInstance } from 'fastify';
import { DEFAULTS } from './config/defaults.js';
import type { HttpLimits } from './config/settings.js';
import { GatewayError } from './errors/gateway-error.js';
import type { GatewayContext } from './gateway-context.js';
import { GenerationPipeline } from './generation/pipeline.js';
import { handleClientError, handleFrameworkError } from './http/client-errors.js';
import { installCors } from './http/cors.js';
import { installErrorHandling } from './http/handle-errors.js';
import { createGatewayHttpServer } from './http/http-server.js';
import { installAdmission } from './http/install-admission.js';
import { findExcessiveNesting, MAX_JSON_DEPTH, pathAtOffset } from './http/json-nesting.js';
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

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function tooDeeplyNested(path: string): GatewayError {
  const shown = path.length > 160 ? `${path.slice(0, 160)}…` : path;
  return new GatewayError(
    'invalid_request',
    `Request body is nested deeper than ${MAX_JSON_DEPTH} levels at ${shown === '' ? 'the top level' : shown}`,
    { metadata: { max_depth: MAX_JSON_DEPTH, path: shown } },
  );
}

/**
 * Parses every request body as JSON whatever its Content-Type (curl's `-d` sends
 * form-urlencoded by default), with a 400 that says where the JSON broke.
 */
function installJsonBodyParser(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => {
    let text: string;
    try {
      // Fatal decoding: bytes that are not UTF-8 are refused, never silently replaced by U+FFFD.
      text = UTF8.decode(body as Buffer);
    } catch {
      done(new GatewayError('invalid_request', 'Request body is not valid UTF-8'), null);
      return;
    }
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    // Refused before parsing: a body nested thousands deep parses, then overflows the stack of
    // every recursive walk after it (JSON.stringify upstream, the cost bound).
    const tooDeepAt = findExcessiveNesting(text, MAX_JSON_DEPTH);
    if (tooDeepAt !== -1) {
      done(tooDeeplyNested(pathAtOffset(text, tooDeepAt)), null);
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
  const httpServer = createGatewayHttpServer(
    options.httpLimits ?? DEFAULTS.http,
    createLookupLane(context, options),
  );
  const app = Fastify({
    bodyLimit: options.bodyLimit ?? 10 * 1024 * 1024,
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
  const pipeline = new GenerationPipeline(context);
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
