import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import type { ResponseSink } from '../generation/response-sink.js';
import { CancelSignal } from '../providers/cancel-signal.js';
import { SSE_HEADERS, writeSseEvent } from '../streaming/sse.js';

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Aborts when the client goes away before the response is complete: the connection closing, or
 * the client half-closing it (a FIN: fetch's abort, curl's Ctrl-C), which Node's HTTP server
 * alone would leave open until the response ends.
 */
function abortOnClientClose(response: ServerResponse): CancelSignal {
  const gone = new CancelSignal();
  const socket = response.socket;
  const onGone = () => {
    if (!response.writableFinished) gone.abort();
  };
  response.once('close', onGone);
  if (socket !== null) {
    socket.once('end', onGone);
    response.once('finish', () => socket.off('end', onGone));
  }
  return gone;
}

/**
 * The pipeline's sink over a bare `ServerResponse` (the metered lane's): a JSON body or an SSE
 * stream written straight to the response, with the headers Fastify's reply would have sent, in
 * the same order (`x-generation-id` first on JSON, last on a stream).
 */
export class ServerResponseSink implements ResponseSink {
  readonly gone: CancelSignal;
  protected readonly response: ServerResponse;
  /** The id given by {@link exposeId}, also for the access log and an error answer. */
  generationId: string | null = null;

  constructor(response: ServerResponse) {
    this.response = response;
    this.gone = abortOnClientClose(response);
  }

  exposeId(id: string): void {
    this.generationId = id;
  }

  json(body: string): void {
    const length = String(Buffer.byteLength(body));
    const id = this.generationId;
    this.response.writeHead(
      200,
      id === null
        ? { 'content-type': JSON_TYPE, 'content-length': length }
        : { 'x-generation-id': id, 'content-type': JSON_TYPE, 'content-length': length },
    );
    this.response.end(body);
  }

  openStream(): void {
    const headers: OutgoingHttpHeaders = { ...SSE_HEADERS };
    if (this.generationId !== null) headers['x-generation-id'] = this.generationId;
    this.response.writeHead(200, headers);
  }

  event(data: string): boolean | Promise<boolean> {
    return writeSseEvent(this.response, data);
  }

  end(final?: string): void {
    if (final === undefined) this.response.end();
    else this.response.end(final);
  }

  destroy(): void {
    this.response.destroy();
  }

  get destroyed(): boolean {
    return this.response.destroyed;
  }
}

/**
 * The sink over a Fastify reply: the id is a reply header (so an error answered by Fastify's
 * handler carries it too), a JSON body goes through the reply (hooks, access log), and a stream
 * takes the raw response over (`hijack`).
 */
class ReplySink extends ServerResponseSink {
  readonly #reply: FastifyReply;

  constructor(reply: FastifyReply) {
    super(reply.raw);
    this.#reply = reply;
  }

  override exposeId(id: string): void {
    super.exposeId(id);
    this.#reply.header('x-generation-id', id);
  }

  override json(body: string): void {
    this.#reply.type(JSON_TYPE).send(body);
  }

  override openStream(): void {
    this.#reply.hijack();
    super.openStream();
  }
}

/** The pipeline's sink over a Fastify reply. */
export function replySink(reply: FastifyReply): ResponseSink {
  return new ReplySink(reply);
}
