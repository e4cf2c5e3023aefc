import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Caller } from '../accounts/api-keys.js';
import { toGatewayError } from '../errors/to-error-response.js';
import type { GatewayContext } from '../gateway-context.js';
import type { GenerationPipeline } from '../generation/pipeline.js';
import { AuthorizationHashes, authorize, authorizeCached } from '../http/authorize.js';
import { createCorsHeaders } from '../http/cors.js';
import { answerFailure, type RequestFailure } from '../http/handle-errors.js';
import type { FastLane } from '../http/http-server.js';
import { admitUntilClosed } from '../http/install-admission.js';
import { ServerResponseSink } from '../http/reply-sink.js';
import {
  bodyTooLarge,
  contentLengthMismatch,
  DEFAULT_BODY_LIMIT,
  parseJsonBody,
} from '../http/request-body.js';
import { createRequestId } from '../ledger/ids.js';
import { isStreamBody, logAccess, type Operations } from '../ops/install-operations.js';
import { CHAT_COMPLETIONS_ROUTE } from './chat-completions.js';
import { COMPLETIONS_ROUTE } from './completions.js';
import { EMBEDDINGS_ROUTE } from './embeddings.js';
import type { MeteredRoute } from './serve-generation.js';

/** The routes the lane serves, by exact path (no trailing slash, no encoding). */
const ROUTES: ReadonlyMap<string, MeteredRoute> = new Map(
  [CHAT_COMPLETIONS_ROUTE, COMPLETIONS_ROUTE, EMBEDDINGS_ROUTE].map((route) => [route.url, route]),
);

/**
 * Content-Types the lane takes: `type/subtype` with at most a charset, which Fastify's parser
 * reads as valid too. Anything else (parameters, odd syntax) is left to Fastify, which answers
 * an invalid one 415 and parses the rest with the same function.
 */
const PLAIN_CONTENT_TYPE = /^[a-z]+\/[a-z0-9.+-]+(?:; ?charset=[a-z0-9-]+)?$/i;

const EMPTY = Buffer.alloc(0);

/** What the metered lane needs besides the gateway's context and pipeline. */
export interface MeteredLaneOptions {
  operations?: Operations | undefined;
  corsOrigins?: readonly string[] | undefined;
  /** Largest accepted request body in bytes (the app's `bodyLimit`). */
  bodyLimit?: number | undefined;
}

/** What every exchange of one lane shares: made once. */
interface Lane {
  context: GatewayContext;
  pipeline: GenerationPipeline;
  corsHeaders: (origin: string | undefined) => Record<string, string> | null;
  operations: Operations | undefined;
  bodyLimit: number;
  /** The key hash of each keep-alive connection's `Authorization`, computed once. */
  hashes: AuthorizationHashes;
}

/** The route `url` names when it is exactly a metered path, with or without a query string. */
function routeOf(url: string | undefined): MeteredRoute | undefined {
  if (url === undefined) return undefined;
  const query = url.indexOf('?');
  return ROUTES.get(query === -1 ? url : url.slice(0, query));
}

/**
 * `POST /api/v1/chat/completions`, `/completions` and `/embeddings` served on node:http without
 * Fastify (docs/decisions/0042-metered-lane.md), answering everything about them — successes,
 * streams and every error — byte for byte as the Fastify route does, through the same functions:
 * `authorize`, `parseJsonBody`, `admitUntilClosed`, the route's `serve` (validation + pipeline),
 * `answerFailure`, `createCorsHeaders`, `logAccess`. It declines, before reading anything or
 * doing anything, every request it does not take: another method or path (a trailing slash, an
 * encoded character), an unusual Content-Type. Fastify answers those.
 */
export function createMeteredLane(
  context: GatewayContext,
  pipeline: GenerationPipeline,
  options: MeteredLaneOptions,
): FastLane {
  const lane: Lane = {
    context,
    pipeline,
    corsHeaders: createCorsHeaders(options.corsOrigins),
    operations: options.operations,
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    hashes: new AuthorizationHashes(),
  };
  return (request, response) => {
    if (request.method !== 'POST') return false;
    const route = routeOf(request.url);
    if (route === undefined) return false;
    const type = request.headers['content-type'];
    if (type !== undefined && !PLAIN_CONTENT_TYPE.test(type)) return false;
    new MeteredExchange(lane, route, request, response).start();
    return true;
  };
}

/** Where a request and its response keep their exchange: listeners are shared functions. */
const EXCHANGE = Symbol('tollgate.meteredExchange');

type LaneRequest = IncomingMessage & { [EXCHANGE]?: MeteredExchange };
type LaneResponse = ServerResponse & { [EXCHANGE]?: MeteredExchange };

function onBodyData(this: LaneRequest, chunk: Buffer): void {
  this[EXCHANGE]?.received(chunk);
}

function onBodyEnd(this: LaneRequest): void {
  this[EXCHANGE]?.bodyEnded();
}

function onBodyError(this: LaneRequest, error: RequestFailure): void {
  this[EXCHANGE]?.bodyFailed(error);
}

function onResponseClose(this: LaneResponse): void {
  this[EXCHANGE]?.closed();
}

/**
 * One request through the lane, in the Fastify route's order: CORS headers and the access entry;
 * authorize from the headers (401/429 before the body is read, the connection closed when the
 * body is unread); read and parse the body (413, 400, the connection closed); count an open
 * stream; take an admission slot (503); validate and run the pipeline. Every failure is answered
 * by {@link fail}, as Fastify's error handler answers it.
 */
class MeteredExchange {
  readonly #lane: Lane;
  readonly #route: MeteredRoute;
  readonly #request: LaneRequest;
  readonly #response: LaneResponse;
  #caller: Caller | null = null;
  // The body as it arrives: most bodies come in one piece, kept as it is (no copy, no array).
  #first: Buffer | null = null;
  #more: Buffer[] | null = null;
  #size = 0;
  #sink: ServerResponseSink | null = null;
  // The access entry (with operations only).
  #requestId = '';
  #started = 0n;
  #streaming = false;
  #closed = false;

  constructor(lane: Lane, route: MeteredRoute, request: IncomingMessage, response: ServerResponse) {
    this.#lane = lane;
    this.#route = route;
    this.#request = request;
    this.#response = response;
  }

  start(): void {
    const lane = this.#lane;
    const request = this.#request;
    const response = this.#response;
    if (lane.operations !== undefined) {
      this.#requestId = createRequestId(Date.now());
      this.#started = process.hrtime.bigint();
      response[EXCHANGE] = this;
      response.on('close', onResponseClose);
    }
    const cors = lane.corsHeaders(request.headers.origin);
    if (cors !== null) for (const name in cors) response.setHeader(name, cors[name] as string);
    // A cached key with no rate limit is known at once (the lookup lane's rule); else authorize.
    const cached = authorizeCached(lane.context, lane.hashes, request);
    if (cached !== undefined) {
      this.#read(cached);
      return;
    }
    authorize(lane.context, request).then(
      (caller) => this.#read(caller),
      // Refused from the headers: a body still arriving is not read, so the connection closes.
      (error: RequestFailure) => this.fail(error, !request.complete),
    );
  }

  #read(caller: Caller): void {
    this.#caller = caller;
    const request = this.#request;
    // Fastify's raw body reader's checks: a declared length over the limit is refused unread.
    if (Number(request.headers['content-length']) > this.#lane.bodyLimit) {
      this.fail(bodyTooLarge(), true);
      return;
    }
    request[EXCHANGE] = this;
    request.on('data', onBodyData);
    request.on('end', onBodyEnd);
    request.on('error', onBodyError);
  }

  #stopReading(): void {
    const request = this.#request;
    request.off('data', onBodyData);
    request.off('end', onBodyEnd);
    request.off('error', onBodyError);
  }

  received(chunk: Buffer): void {
    this.#size += chunk.length;
    if (this.#size > this.#lane.bodyLimit) {
      // The rest flows on, unread, while the 413 is written (as Fastify does).
      this.#stopReading();
      this.fail(bodyTooLarge(), true);
      return;
    }
    if (this.#first === null) this.#first = chunk;
    else if (this.#more === null) this.#more = [this.#first, chunk];
    else this.#more.push(chunk);
  }

  bodyEnded(): void {
    this.#stopReading();
    const declared = Number(this.#request.headers['content-length']);
    if (!Number.isNaN(declared) && this.#size !== declared) {
      this.fail(contentLengthMismatch(), true);
      return;
    }
    const bytes =
      this.#more !== null ? Buffer.concat(this.#more, this.#size) : (this.#first ?? EMPTY);
    this.#first = null;
    this.#more = null;
    let body: unknown;
    try {
      body = parseJsonBody(bytes);
    } catch (error) {
      this.fail(error, true);
      return;
    }
    this.#admit(body);
  }

  bodyFailed(error: RequestFailure): void {
    this.#stopReading();
    // Fastify's reader marks a stream error a client error (400) unless it says otherwise.
    if (!(typeof error.statusCode === 'number' && error.statusCode >= 400)) error.statusCode = 400;
    this.fail(error, true);
  }

  #admit(body: unknown): void {
    const operations = this.#lane.operations;
    if (operations !== undefined && !this.#closed && isStreamBody(body)) {
      this.#streaming = true;
      operations.metrics.streamOpened(1);
    }
    const admitted = admitUntilClosed(this.#lane.context.admission, this.#response);
    if (admitted === true) this.#serve(body);
    else
      admitted.then(
        () => this.#serve(body),
        (error: unknown) => this.fail(error, false),
      );
  }

  #serve(body: unknown): void {
    const sink = new ServerResponseSink(this.#response);
    this.#sink = sink;
    const { pipeline } = this.#lane;
    let served: Promise<void>;
    try {
      served = this.#route.serve(
        pipeline,
        this.#caller as Caller,
        body,
        this.#request.headers,
        sink,
      );
    } catch (error) {
      this.fail(error, false);
      return;
    }
    served.then(undefined, (error: unknown) => this.fail(error, false));
  }

  /**
   * Answers `error` as Fastify's error handler does: the envelope, with the headers the reply
   * held before it (`x-generation-id`, or `connection: close` when the body was left unread or
   * refused). A response already under way is left alone, as Fastify leaves a sent reply.
   */
  fail(error: unknown, closeConnection: boolean): void {
    const response = this.#response;
    if (response.headersSent) return;
    const failure = error instanceof Error ? error : toGatewayError(error);
    const answer = answerFailure(this.#lane.context.logger, failure, 'POST', this.#route.url);
    const headers: OutgoingHttpHeaders = {};
    const generationId = this.#sink?.generationId ?? null;
    if (generationId !== null) headers['x-generation-id'] = generationId;
    if (closeConnection) headers.connection = 'close';
    for (const name in answer.headers) {
      headers[name.toLowerCase()] = answer.headers[name];
    }
    headers['content-length'] = String(Buffer.byteLength(answer.body));
    response.writeHead(answer.status, headers);
    response.end(answer.body);
  }

  /** The response closed: the access-log line and metrics, as the Fastify observer writes them. */
  closed(): void {
    this.#closed = true;
    const operations = this.#lane.operations;
    if (operations === undefined) return;
    if (this.#streaming) operations.metrics.streamOpened(-1);
    const response = this.#response;
    logAccess(operations.accessLogger, operations.metrics, {
      requestId: this.#requestId,
      generationId: this.#sink?.generationId ?? null,
      method: 'POST',
      route: this.#route.url,
      status: response.statusCode,
      seconds: Number(process.hrtime.bigint() - this.#started) / 1e9,
      aborted: !response.writableFinished,
    });
  }
}
