import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { bearerHash, type Caller } from '../accounts/api-keys.js';
import { enforceRateLimit } from '../accounts/rate-limiter.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { GatewayContext } from '../gateway-context.js';

/** What authorization reads of a request (a Fastify request or a bare IncomingMessage). */
export interface AuthorizedRequest {
  readonly headers: IncomingHttpHeaders;
}

/** Authenticates the request's key (401) and counts it against its rate limit (429). */
export async function authorize(
  context: GatewayContext,
  request: AuthorizedRequest,
): Promise<Caller> {
  const caller = await context.authenticator.authenticate(request.headers.authorization);
  const limit = caller.key.rateLimit ?? context.defaultRateLimit;
  if (limit !== null) {
    const nowMs = context.now();
    enforceRateLimit(await context.rateLimiter.hit(caller.key.hash, limit, nowMs), nowMs);
  }
  return caller;
}

/** {@link authorize}, then requires a management key (403 otherwise). */
export async function authorizeManagement(
  context: GatewayContext,
  request: AuthorizedRequest,
): Promise<Caller> {
  const caller = await authorize(context, request);
  if (!caller.key.isManagement) {
    throw new GatewayError('forbidden', 'Only management keys can perform this operation');
  }
  return caller;
}

/**
 * The key hash of each connection's last `Authorization` value: a client sends the same key on
 * every request of a keep-alive connection, and its SHA-256 is then computed once per connection.
 * A value is only ever compared with one sent earlier on the same connection, so the comparison
 * reveals nothing to anyone else; the entry goes with the socket.
 */
export class AuthorizationHashes {
  readonly #bySocket = new WeakMap<Socket, { authorization: string; hash: string | undefined }>();

  of(socket: Socket, authorization: string): string | undefined {
    const last = this.#bySocket.get(socket);
    if (last !== undefined && last.authorization === authorization) return last.hash;
    const hash = bearerHash(authorization);
    this.#bySocket.set(socket, { authorization, hash });
    return hash;
  }
}

/**
 * {@link authorize}'s answer when it needs no wait: the caller of a key the authenticator holds
 * valid in its cache and that no rate limit applies to (so there is nothing to count). Undefined
 * otherwise — no `Authorization`, a key not cached, expired or disabled, a rate limit — and then
 * {@link authorize} decides, with the same outcome it always had.
 */
export function authorizeCached(
  context: GatewayContext,
  hashes: AuthorizationHashes,
  request: IncomingMessage,
): Caller | undefined {
  const authorization = request.headers.authorization;
  if (authorization === undefined) return undefined;
  const hash = hashes.of(request.socket, authorization);
  const caller = hash === undefined ? undefined : context.authenticator.cachedCaller(hash);
  if (caller === undefined) return undefined;
  return (caller.key.rateLimit ?? context.defaultRateLimit) === null ? caller : undefined;
}
