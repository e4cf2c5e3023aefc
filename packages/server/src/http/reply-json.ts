import type { FastifyReply } from 'fastify';

/** Sends a JSON body (an object is serialized; a string is sent as already serialized JSON). */
export function replyJson(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  return reply.code(status).type('application/json; charset=utf-8').send(payload);
}
