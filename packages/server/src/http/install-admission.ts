import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Caller } from '../accounts/api-keys.js';
import type { GatewayContext } from '../gateway-context.js';
import { authorize } from './authorize.js';

/** The routes admission control guards: those that hold an upstream request. */
export const ADMITTED_ROUTES: ReadonlySet<string> = new Set([
  '/api/v1/chat/completions',
  '/api/v1/completions',
  '/api/v1/embeddings',
]);

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller authenticated from the headers before the body was read (inference routes). */
    caller: Caller | null;
  }
}

/**
 * Guards the inference routes, hooked onto those routes alone when they are registered (no
 * per-request route check). From the headers alone, before the body is read, the key is
 * authenticated and rate-limited: a request without a valid key is answered 401 at once and never
 * waits for a slot (its connection is closed when its body is still unread). Once the whole body
 * has arrived — a slow body is bounded by `http.request_timeout_ms`, not by a slot — the request
 * takes a slot (or waits, or is refused with 503); the slot is released when its response closes.
 */
export function installAdmission(app: FastifyInstance, context: GatewayContext): void {
  const { admission } = context;
  app.decorateRequest('caller', null);
  const authenticateFirst = async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      request.caller = await authorize(context, request);
    } catch (error) {
      if (!request.raw.complete) reply.header('connection', 'close');
      throw error;
    }
  };
  const takeSlot = async (_request: FastifyRequest, reply: FastifyReply) => {
    const gone = new AbortController();
    const onClose = () => gone.abort();
    reply.raw.once('close', onClose);
    const release = await admission.admit(gone.signal).finally(() => {
      reply.raw.off('close', onClose);
    });
    if (reply.raw.closed) release();
    else reply.raw.once('close', release);
  };
  app.addHook('onRoute', (route) => {
    if (!ADMITTED_ROUTES.has(route.url)) return;
    route.onRequest = [...hooksOf(route.onRequest), authenticateFirst];
    route.preHandler = [...hooksOf(route.preHandler), takeSlot];
  });
}

function hooksOf<Hook>(hooks: Hook | Hook[] | undefined): Hook[] {
  if (hooks === undefined) return [];
  return Array.isArray(hooks) ? hooks : [hooks];
}
