import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { HttpLimits } from '../config/settings.js';
import { GatewayError } from '../errors/gateway-error.js';
import { toErrorResponse } from '../errors/to-error-response.js';
import { writeRawError } from './client-errors.js';

/** Idle keep-alive time of a connection between requests (Fastify's default). */
const KEEP_ALIVE_TIMEOUT_MS = 72_000;

/** Seconds a refused client is told to wait (`Retry-After`). */
const RETRY_AFTER_SECONDS = '1';

/** Marks a connection opened beyond its address's limit: its first request is answered 429. */
const OVER_LIMIT = Symbol('tollgate.overLimit');
type CountedSocket = Socket & { [OVER_LIMIT]?: true };

/**
 * Answers a request before Fastify sees it, or declines (false) and leaves it to Fastify. A lane
 * that accepted may still hand the request on later with `fallback` (Fastify's handler), as long
 * as it has written nothing and the request has had no side effect yet.
 */
export type FastLane = (
  request: IncomingMessage,
  response: ServerResponse,
  fallback: RequestListener,
) => boolean;

/** The HTTP server under Fastify, and the switch that turns new requests away during a drain. */
export interface GatewayHttpServer {
  /** Fastify's `serverFactory`. */
  serverFactory: (handler: RequestListener) => Server;
  /** From now on every new request is answered 503 + `Retry-After` + `Connection: close`. */
  drain(): void;
}

/** Answers `response` with `error` in the envelope and closes the connection after it. */
function answer(
  response: ServerResponse,
  error: GatewayError,
  headers: Record<string, string> = {},
): void {
  const { status, headers: errorHeaders, body } = toErrorResponse(error);
  response.writeHead(status, {
    ...errorHeaders,
    ...headers,
    'content-length': String(Buffer.byteLength(body)),
    connection: 'close',
  });
  response.end(body);
}

/** Counts each address's open connections and marks the ones over `max`. */
function countConnections(server: Server, max: number): void {
  if (max === 0) return;
  const open = new Map<string, number>();
  server.on('connection', (socket: CountedSocket) => {
    const address = socket.remoteAddress;
    if (address === undefined) return;
    const count = (open.get(address) ?? 0) + 1;
    open.set(address, count);
    if (count > max) socket[OVER_LIMIT] = true;
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left === 0) open.delete(address);
      else open.set(address, left);
    });
  });
}

/**
 * Node's HTTP server with the gateway's bounds, answering in the error envelope what Node
 * would answer bare or not at all: a request without `Host` (400), an `Expect` other than
 * `100-continue` (417), `CONNECT` (400), a connection over its address's limit (429), any
 * request once the node drains (503). Timeouts are checked by Node's one connection sweep, not
 * by a timer per request; what expires is answered 408 by `handleClientError`.
 */
export function createGatewayHttpServer(
  limits: HttpLimits,
  fastLane: FastLane | null = null,
): GatewayHttpServer {
  let draining = false;
  /** Open connections, so that the drain can mark the responses they are answering. */
  const sockets = new Set<QueueingSocket>();
  const draining503 = () =>
    new GatewayError(
      'no_provider_available',
      'Tollgate is shutting down: retry the request (another node, or this one once restarted)',
      { headers: { 'retry-after': RETRY_AFTER_SECONDS } },
    );
  const overLimit429 = () =>
    new GatewayError(
      'rate_limited',
      `Too many connections from your address (at most ${limits.maxConnectionsPerAddress}, http.max_connections_per_address)`,
      { headers: { 'retry-after': RETRY_AFTER_SECONDS } },
    );
  const serverFactory = (handler: RequestListener): Server => {
    const server = createServer(
      {
        headersTimeout: limits.headersTimeoutMs,
        requestTimeout: limits.requestTimeoutMs,
        // The sweep that enforces both timeouts runs this often (Node's default is 30 s, which
        // would let a 10 s timeout run to 40 s).
        connectionsCheckingInterval: Math.min(1000, Math.ceil(limits.headersTimeoutMs / 4)),
        // Answered below in the envelope instead of Node's empty 400.
        requireHostHeader: false,
        keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      },
      (request: IncomingMessage, response: ServerResponse) => {
        if (response.socket === null) closeWithConnection(request, response);
        if (draining) return answer(response, draining503());
        if ((request.socket as CountedSocket)[OVER_LIMIT] === true) {
          return answer(response, overLimit429());
        }
        if (request.headers.host === undefined && request.httpVersion === '1.1') {
          return answer(
            response,
            new GatewayError('invalid_request', 'Missing Host header (required by HTTP/1.1)'),
          );
        }
        if (fastLane?.(request, response, handler) === true) return;
        handler(request, response);
      },
    );
    countConnections(server, limits.maxConnectionsPerAddress);
    server.on('connection', (socket: QueueingSocket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) => {
      const expectation = String(request.headers.expect).slice(0, 100);
      answer(
        response,
        new GatewayError(
          'expectation_failed',
          `Unsupported Expect header "${expectation}" (only 100-continue is supported)`,
        ),
      );
    });
    server.on('connect', (_request: IncomingMessage, socket: Duplex) => {
      writeRawError(
        socket,
        new GatewayError('invalid_request', 'CONNECT is not supported: Tollgate is not a proxy'),
      );
    });
    return server;
  };
  return {
    serverFactory,
    drain() {
      draining = true;
      // A response still being answered says `Connection: close` (the drain closes its
      // connection right after it anyway: keep-alive timeout 1 ms), so no client reuses the
      // connection and races that close with its next request. Decided when its head is
      // written: a request pipelined behind it by then is still answered (503) before the close.
      // A response whose head is out keeps it.
      for (const socket of sockets) {
        const current = (socket as SocketWithResponse)._httpMessage;
        if (current == null || current.headersSent) continue;
        const writeHead = current.writeHead;
        current.writeHead = function (this: ServerResponse, ...args: unknown[]) {
          if ((socket[QUEUED]?.size ?? 0) === 0) this.shouldKeepAlive = false;
          return (writeHead as (...all: unknown[]) => ServerResponse).apply(this, args);
        } as ServerResponse['writeHead'];
      }
    },
  };
}

/**
 * A response queued behind an earlier one on a pipelined connection has no socket until its
 * turn, and Node never closes it when the connection drops first (lib/_http_server.js,
 * `abortIncoming`): nothing that waits for its `close` — the admission slot, the upstream call's
 * cancellation, the access-log line — would ever run, and each such connection would hold a slot
 * for good. It is closed here with its connection; once it has its socket, Node's own handling
 * takes over.
 */
function closeWithConnection(request: IncomingMessage, response: ServerResponse): void {
  const socket = request.socket as QueueingSocket;
  let queued = socket[QUEUED];
  if (queued === undefined) {
    const responses = new Set<ServerResponse>();
    queued = responses;
    socket[QUEUED] = responses;
    // One listener per connection, however many requests are pipelined on it.
    socket.once('close', () => {
      for (const each of responses) {
        each.destroy();
        each.emit('close');
      }
      responses.clear();
    });
  }
  queued.add(response);
  response.once('socket', () => queued.delete(response));
}

const QUEUED = Symbol('tollgate.queuedResponses');

/** Node's connection with the response it is answering (`_httpMessage`, node:_http_server). */
type SocketWithResponse = Socket & { _httpMessage?: ServerResponse | null };

/** A connection with the responses still waiting for their turn on it. */
interface QueueingSocket extends Socket {
  [QUEUED]?: Set<ServerResponse>;
}
