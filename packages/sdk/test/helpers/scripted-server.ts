import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One scripted answer: a status with a body, `hang` (never answer) or `destroy` (reset). */
export type ScriptedReply =
  | { status: number; body?: string; headers?: Record<string, string> }
  | { hang: true }
  | { destroy: true };

/** A real HTTP server on loopback answering from a script, for statuses the gateway never sends. */
export interface ScriptedServer {
  /** Base URL, e.g. `http://127.0.0.1:4312`. */
  url: string;
  /** Requests received (method and path), in order. */
  requests: Array<{ method: string; url: string; authorization: string | undefined }>;
  close(): Promise<void>;
}

/** An OpenRouter error envelope body for `status`. */
export function envelope(status: number, message = `status ${status}`): string {
  return JSON.stringify({ error: { code: status, message, metadata: null } });
}

/**
 * Starts a server that answers the n-th request with `replies[n]` (the last one repeats), or
 * with `route(request)` when a function is given.
 */
export async function startScriptedServer(
  replies: ScriptedReply[] | ((request: IncomingMessage, index: number) => ScriptedReply),
): Promise<ScriptedServer> {
  const requests: ScriptedServer['requests'] = [];
  const sockets = new Set<Socket>();
  const server = createServer((request, response) => {
    const index = requests.length;
    requests.push({
      method: request.method ?? '',
      url: request.url ?? '',
      authorization: request.headers.authorization,
    });
    request.resume();
    const reply =
      typeof replies === 'function'
        ? replies(request, index)
        : (replies[Math.min(index, replies.length - 1)] ?? { status: 500 });
    if ('hang' in reply) return;
    if ('destroy' in reply) {
      request.socket.destroy();
      return;
    }
    response.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
    response.end(reply.body ?? envelope(reply.status));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port with nothing listening (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
