import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError } from '../errors/gateway-error.js';
import { toErrorResponse } from '../errors/to-error-response.js';

/** Node's HTTP parser error codes, as the gateway words them. */
function fromParserError(error: Error & { code?: string }): GatewayError {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return new GatewayError(
        'payload_too_large',
        'Request line and headers are too large (at most 16 KB)',
      );
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new GatewayError(
        'request_timeout',
        'The request was not received in time (http.headers_timeout_ms, http.request_timeout_ms)',
      );
    case 'HPE_PAUSED_H2_UPGRADE':
      return new GatewayError(
        'invalid_request',
        'HTTP/2 over cleartext (h2c) is not supported: use HTTP/1.1',
      );
    case 'HPE_INVALID_METHOD':
      return new GatewayError('invalid_request', 'Malformed HTTP request: unknown method');
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return new GatewayError(
        'invalid_request',
        'Malformed HTTP request: Content-Length together with Transfer-Encoding',
      );
    default:
      // The parser's reason (e.g. "Invalid header value char") names the problem; it never
      // echoes the request's bytes back.
      return new GatewayError(
        'invalid_request',
        `Malformed HTTP request: ${'reason' in error ? String(error.reason) : (error.code ?? 'parse error')}`,
      );
  }
}

/**
 * Writes `error` in the envelope as a whole raw HTTP response, then closes the connection once
 * it is flushed (a client still sending gets no chance to leave it half-open).
 */
export function writeRawError(socket: Duplex, error: GatewayError): void {
  const response = toErrorResponse(error);
  const head = [
    `HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? ''}`,
    ...Object.entries(response.headers).map(([name, value]) => `${name}: ${value}`),
    `content-length: ${Buffer.byteLength(response.body)}`,
    'connection: close',
  ].join('\r\n');
  socket.end(`${head}\r\n\r\n${response.body}`, () => socket.destroy());
}

/** The response Node is writing on a socket, if any (Node keeps it as `_httpMessage`). */
function responseInProgress(socket: Duplex): { headersSent: boolean } | null {
  const message = (socket as Duplex & { _httpMessage?: { headersSent: boolean } | null })
    ._httpMessage;
  return message ?? null;
}

/**
 * Fastify's `clientErrorHandler`: a request Node's HTTP parser rejects (bad header bytes, a lying
 * Content-Length, headers over 16 KB) or that is not received in time (headers or request
 * timeout) is answered with the error envelope, then the connection is closed — instead of
 * Fastify's own `{"error":"Bad Request",…}` body. A response already under way cannot be
 * followed by another one: its connection is just closed.
 */
export function handleClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (socket.destroyed) return;
  if (error.code === 'ECONNRESET' || !socket.writable || responseInProgress(socket)?.headersSent) {
    socket.destroy();
    return;
  }
  writeRawError(socket, fromParserError(error));
}

/**
 * Fastify's `frameworkErrors`: routing failures (an undecodable URL, a path segment over the
 * router's limit) answered in the error envelope.
 */
export function handleFrameworkError(
  error: Error & { code?: string },
  _request: FastifyRequest,
  reply: FastifyReply,
): void {
  const gatewayError =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? new GatewayError(
          'not_found',
          'Not found: a path segment is too long (at most 500 characters)',
        )
      : new GatewayError('invalid_request', 'Malformed URL: it cannot be decoded');
  const response = toErrorResponse(gatewayError);
  reply.code(response.status).headers(response.headers).send(response.body);
}
