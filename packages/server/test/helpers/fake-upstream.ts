import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request the fake upstream received, recorded before it was answered. */
export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. `/v1/chat/completions`. */
  path: string;
  /** The raw request target including any query string, e.g. `/v1/models?limit=1`. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON when the body is valid JSON, otherwise the raw text (`''` when empty). */
  body: unknown;
  /** The body's size in bytes, as received. */
  bodyBytes: number;
}

/** How the fake upstream answers one request. */
export type FakeReply =
  | { kind: 'json'; status?: number; body: unknown; headers?: Record<string, string> }
  | {
      kind: 'sse';
      /** Objects are written as `data: <JSON>\n\n`, strings as `data: <string>\n\n`. */
      events: Array<string | object>;
      headers?: Record<string, string>;
      /** When given, the first `gateAfter` events are written, then the rest once this settles. */
      gate?: Promise<void>;
      /** How many events to write before waiting for `gate`; defaults to 1. */
      gateAfter?: number;
    }
  | { kind: 'raw'; status: number; body: string; headers?: Record<string, string> }
  | { kind: 'hang' }
  | { kind: 'destroy' };

/** A fixed reply, or a function computing one from the recorded request. */
export type FakeHandler =
  | FakeReply
  | ((request: RecordedRequest) => FakeReply | Promise<FakeReply>);

/** A running fake upstream: a real HTTP server on loopback that records every request. */
export interface FakeUpstream {
  /** Base URL without a path, e.g. `http://127.0.0.1:43121`. */
  readonly url: string;
  /** Every request received so far, in arrival order. */
  readonly requests: RecordedRequest[];
  /** Adds or replaces the handler for an exact path (query string ignored). */
  route(path: string, handler: FakeHandler): void;
  /** Requests whose response is neither finished nor closed. */
  readonly openRequests: number;
  /** TCP connections accepted so far (a client that reuses keep-alive sockets opens fewer). */
  readonly connections: number;
  /** Resolves once every request received so far is finished or closed (at once if so). */
  settled(): Promise<void>;
  /** Stops the server and destroys open sockets, hanging requests included. */
  close(): Promise<void>;
}

/** Starts a fake upstream on `127.0.0.1` with a free port and the given routes. */
export async function startFakeUpstream(
  routes: Record<string, FakeHandler> = {},
): Promise<FakeUpstream> {
  const handlers = new Map<string, FakeHandler>(Object.entries(routes));
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const settledWaiters: Array<() => void> = [];
  let openRequests = 0;
  let connections = 0;
  const server = createServer((request, response) => {
    openRequests += 1;
    response.once('close', () => {
      openRequests -= 1;
      if (openRequests === 0) for (const resolve of settledWaiters.splice(0)) resolve();
    });
    handle(request, response).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      if (response.headersSent) response.destroy();
      else writeJson(response, 500, errorBody(`Fake upstream handler failed: ${message}`));
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const recorded = await record(request);
    requests.push(recorded);
    const handler = handlers.get(recorded.path);
    if (handler === undefined) {
      writeJson(response, 404, errorBody(`No fake route for ${recorded.method} ${recorded.path}`));
      return;
    }
    const reply = typeof handler === 'function' ? await handler(recorded) : handler;
    await sendReply(response, reply);
  }

  server.on('connection', (socket) => {
    connections += 1;
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get openRequests() {
      return openRequests;
    },
    get connections() {
      return connections;
    },
    settled() {
      if (openRequests === 0) return Promise.resolve();
      return new Promise<void>((resolve) => settledWaiters.push(resolve));
    },
    route(path, handler) {
      handlers.set(path, handler);
    },
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

async function record(request: IncomingMessage): Promise<RecordedRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const bytes = Buffer.concat(chunks);
  const text = bytes.toString('utf8');
  const url = request.url ?? '/';
  return {
    method: request.method ?? 'GET',
    path: new URL(url, 'http://fake.invalid').pathname,
    url,
    headers: { ...request.headers },
    body: parseBody(text),
    bodyBytes: bytes.length,
  };
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

async function sendReply(response: ServerResponse, reply: FakeReply): Promise<void> {
  switch (reply.kind) {
    case 'json':
      writeJson(response, reply.status ?? 200, reply.body, reply.headers);
      return;
    case 'raw':
      response.writeHead(reply.status, lowercaseKeys(reply.headers));
      response.end(reply.body);
      return;
    case 'sse':
      await writeSse(response, reply);
      return;
    case 'hang':
      // Leave the response open; close() destroys the socket.
      return;
    case 'destroy':
      response.socket?.destroy();
      return;
    default: {
      const unknownReply: never = reply;
      throw new Error(`Unknown fake reply: ${JSON.stringify(unknownReply)}`);
    }
  }
}

async function writeSse(
  response: ServerResponse,
  reply: Extract<FakeReply, { kind: 'sse' }>,
): Promise<void> {
  response.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    ...lowercaseKeys(reply.headers),
  });
  response.flushHeaders();
  const gateAfter = reply.gate === undefined ? reply.events.length : (reply.gateAfter ?? 1);
  for (const [index, event] of reply.events.entries()) {
    if (index === gateAfter && reply.gate !== undefined) await reply.gate;
    if (response.destroyed) return;
    response.write(`data: ${typeof event === 'string' ? event : JSON.stringify(event)}\n\n`);
  }
  if (reply.gate !== undefined && gateAfter >= reply.events.length) await reply.gate;
  if (!response.destroyed) response.end();
}

function writeJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers?: Record<string, string>,
): void {
  // JSON.stringify(undefined) is undefined at runtime despite its declared type.
  const payload = JSON.stringify(body) ?? '';
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    ...lowercaseKeys(headers),
  });
  response.end(payload);
}

/** Lower-cases header names so a caller's `Content-Type` replaces our default, not doubles it. */
function lowercaseKeys(headers: Record<string, string> = {}): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]),
  );
}

function errorBody(message: string): object {
  return { error: { message, type: 'invalid_request_error', param: null, code: null } };
}
