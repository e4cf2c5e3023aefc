import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Admission } from '../accounts/admission.js';
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
  // Callback-style hooks: Fastify runs them without an async function's promise per request.
  const authenticateFirst = (
    request: FastifyRequest,
    reply: FastifyReply,
    done: (error?: Error) => void,
  ) => {
    authorize(context, request).then(
      (caller) => {
        request.caller = caller;
        done();
      },
      (error: Error) => {
        if (!request.raw.complete) reply.header('connection', 'close');
        done(error);
      },
    );
  };
  const takeSlot = (
    _request: FastifyRequest,
    reply: FastifyReply,
    done: (error?: Error) => void,
  ) => {
    const admitted = admitUntilClosed(admission, reply.raw);
    if (admitted === true) done();
    else admitted.then(() => done(), done);
  };
  app.addHook('onRoute', (route) => {
    if (!ADMITTED_ROUTES.has(route.url)) return;
    route.onRequest = [...hooksOf(route.onRequest), authenticateFirst];
    route.preHandler = [...hooksOf(route.preHandler), takeSlot];
  });
}

/**
 * Takes an admission slot for the request `response` answers, held until the response closes:
 * true when a slot was free (the common case: no signal, no listener but the release), else a
 * promise settled once the request is admitted from the queue, or rejected with the 503 (or when
 * the client leaves while it waits). Fastify's hook above and the metered lane both call this.
 */
export function admitUntilClosed(
  admission: Admission,
  response: ServerResponse,
): true | Promise<void> {
  const release = admission.tryAdmit();
  if (release !== null) {
    holdUntilClosed(response, release);
    return true;
  }
  const gone = new AbortController();
  const onClose = () => gone.abort();
  response.once('close', onClose);
  return admission.admit(gone.signal).then(
    (queuedRelease) => {
      response.off('close', onClose);
      holdUntilClosed(response, queuedRelease);
    },
    (error: unknown) => {
      response.off('close', onClose);
      throw error;
    },
  );
}

/** Releases a slot when its response closes (at once if it already has). */
function holdUntilClosed(raw: ServerResponse, release: () => void): void {
  if (raw.closed) release();
  // `release` runs once however often it is called, so no `once` wrapper is needed.
  else raw.on('close', release);
}

function hooksOf<Hook>(hooks: Hook | Hook[] | undefined): Hook[] {
  if (hooks === undefined) return [];
  return Array.isArray(hooks) ? hooks : [hooks];
}
