import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import type { ResponseSink } from '../generation/response-sink.js';
import { CancelSignal } from '../providers/cancel-signal.js';
import { SSE_HEADERS, writeSseEvent } from '../streaming/sse.js';

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
 * The pipeline's sink over a Fastify reply: a JSON body goes through the reply (hooks, access
 * log); a stream takes the raw response over (`hijack`) and writes SSE events to it.
 */
export function replySink(reply: FastifyReply): ResponseSink {
  const raw = reply.raw;
  let generationId: string | null = null;
  return {
    gone: abortOnClientClose(raw),
    exposeId(id) {
      generationId = id;
      reply.header('x-generation-id', id);
    },
    json(body) {
      reply.type('application/json; charset=utf-8').send(body);
    },
    openStream() {
      reply.hijack();
      const headers: Record<string, string> = { ...SSE_HEADERS };
      if (generationId !== null) headers['x-generation-id'] = generationId;
      raw.writeHead(200, headers);
    },
    event: (data) => writeSseEvent(raw, data),
    end(final) {
      if (final === undefined) raw.end();
      else raw.end(final);
    },
    destroy() {
      raw.destroy();
    },
    get destroyed() {
      return raw.destroyed;
    },
  };
}
