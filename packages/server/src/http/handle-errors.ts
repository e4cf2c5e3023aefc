import type { FastifyError, FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { GatewayError } from '../errors/gateway-error.js';
import {
  type ErrorResponse,
  toErrorResponse,
  toGatewayError,
} from '../errors/to-error-response.js';
import type { GatewayContext } from '../gateway-context.js';
import { bodyTooLarge, contentLengthMismatch } from './request-body.js';

/** An error raised while serving a request: a GatewayError, or Fastify's or Node's own. */
export type RequestFailure = Error & { code?: string; statusCode?: number };

/** Translates Fastify's own errors (body parsing, limits) into gateway errors. */
function fromFastifyError(error: RequestFailure): GatewayError {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return bodyTooLarge();
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new GatewayError('unsupported_media_type', 'Unsupported Content-Type');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return contentLengthMismatch();
    default:
      if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
        return new GatewayError('invalid_request', error.message);
      }
      return toGatewayError(error);
  }
}

/**
 * The answer to a request that failed with `error`, in the envelope; an `internal` error is
 * logged first (with the route pattern, never the URL). The one error path of both HTTP paths:
 * Fastify's error handler below and the metered lane (routes/metered-lane.ts).
 */
export function answerFailure(
  logger: Logger,
  error: RequestFailure,
  method: string,
  url: string | undefined,
): ErrorResponse {
  const gatewayError = GatewayError.is(error) ? error : fromFastifyError(error);
  if (gatewayError.kind === 'internal') {
    logger.error({ err: gatewayError.cause ?? error, method, url }, 'request failed');
  }
  return toErrorResponse(gatewayError);
}

/** Installs the error and not-found handlers: every error leaves as OpenRouter's envelope. */
export function installErrorHandling(app: FastifyInstance, context: GatewayContext): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const response = answerFailure(context.logger, error, request.method, request.routeOptions.url);
    return reply.code(response.status).headers(response.headers).send(response.body);
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const response = toErrorResponse(
      new GatewayError('not_found', `Not found: ${request.method} ${path.slice(0, 200)}`),
    );
    return reply.code(response.status).headers(response.headers).send(response.body);
  });
}
