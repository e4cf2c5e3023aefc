import type { IncomingHttpHeaders } from 'node:http';
import type { Caller } from '../accounts/api-keys.js';
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
