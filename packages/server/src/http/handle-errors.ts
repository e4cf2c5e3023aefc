import type { FastifyError, FastifyInstance } from 'fastify';
import { GatewayError } from '../errors/gateway-error.js';
import { toErrorResponse, toGatewayError } from '../errors/to-error-response.js';
import type { GatewayContext } from '../gateway-context.js';

/** Translates Fastify's own errors (body parsing, limits) into gateway errors. */
function fromFastifyError(error: FastifyError): GatewayError {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new GatewayError('payload_too_large', 'Request body is too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new GatewayError('unsupported_media_type', 'Unsupported Content-Type');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new GatewayError('invalid_request', 'Content-Length does not match the body');
    default:
      if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
        return new GatewayError('invalid_request', error.message);
      }
      return toGatewayError(error);
  }
}

/** Installs the error and not-found handlers: every error leaves as OpenRouter's envelope. */
export function installErrorHandling(app: FastifyInstance, context: GatewayContext): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const gatewayError = GatewayError.is(error) ? error : fromFastifyError(error);
    if (gatewayError.kind === 'internal') {
      context.logger.error(
        { err: gatewayError.cause ?? error, method: request.method, url: request.routeOptions.url },
        'request failed',
      );
    }
    const response = toErrorResponse(gatewayError);
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
