import type { FastifyInstance } from 'fastify';

/** Response headers a browser page may read: the generation id, retry hints, rate limits. */
const EXPOSED_HEADERS = [
  'X-Generation-Id',
  'X-Request-Id',
  'Retry-After',
  'Retry-After-Ms',
  'X-RateLimit-Limit',
  'X-RateLimit-Remaining',
  'X-RateLimit-Reset',
].join(', ');

const ALLOWED_METHODS = 'GET, POST, PATCH, DELETE, OPTIONS';

/**
 * The CORS headers of a response to a request from `origin` (every response, preflight or not),
 * or null when the request names no allowed origin (then it gets none).
 */
export function createCorsHeaders(
  origins: readonly string[] = ['*'],
): (origin: string | undefined) => Record<string, string> | null {
  const anyOrigin = origins.includes('*');
  const allowed = new Set(origins);
  const forAny = {
    'access-control-allow-origin': '*',
    'access-control-expose-headers': EXPOSED_HEADERS,
  };
  return (origin) => {
    if (origin === undefined || (!anyOrigin && !allowed.has(origin))) return null;
    if (anyOrigin) return forAny;
    return {
      'access-control-allow-origin': origin,
      vary: 'Origin',
      'access-control-expose-headers': EXPOSED_HEADERS,
    };
  };
}

/**
 * CORS for browser clients, as OpenRouter allows: bearer keys are not cookies, so any origin in
 * `origins` (`*` = every origin) may call the API. Preflights are answered 204 before routing
 * and authentication; a disallowed origin gets no CORS headers, so its browser blocks the
 * response. Headers go on the raw response so hijacked SSE responses carry them too.
 */
export function installCors(app: FastifyInstance, origins: readonly string[] = ['*']): void {
  const corsHeaders = createCorsHeaders(origins);
  // A callback-style hook: no promise per request (Fastify awaits an async hook's).
  app.addHook('onRequest', (request, reply, done) => {
    const origin = request.headers.origin;
    const headers = corsHeaders(origin);
    if (origin === undefined || headers === null) {
      done();
      return;
    }
    const raw = reply.raw;
    for (const name in headers) raw.setHeader(name, headers[name] as string);
    const preflightMethod = request.headers['access-control-request-method'];
    if (request.method !== 'OPTIONS' || preflightMethod === undefined) {
      done();
      return;
    }
    raw.setHeader('access-control-allow-methods', ALLOWED_METHODS);
    raw.setHeader(
      'access-control-allow-headers',
      request.headers['access-control-request-headers'] ?? 'authorization, content-type',
    );
    raw.setHeader('access-control-max-age', '600');
    // Answered here: the route (and the hooks after this one) never run.
    reply.code(204).send();
  });
}
