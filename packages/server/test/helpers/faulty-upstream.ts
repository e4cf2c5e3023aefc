/**
 * A fault-injecting OpenAI-compatible upstream: a real `node:http` server on loopback whose next
 * answers misbehave in one chosen way — resets, hangs, truncated or garbage bodies, invalid UTF-8,
 * huge bodies, error statuses, slow drips. `closedPort()` gives an address that refuses.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { openAIChatCompletion, openAIStreamEvents } from './openai-fixtures.js';

/** One way to misbehave. */
export type Fault =
  | { kind: 'healthy' }
  /** TCP reset as soon as the request arrives: no status line. */
  | { kind: 'reset-before-headers' }
  /** 200 and half of the body (or the first stream events), then a TCP reset. */
  | { kind: 'reset-mid-body' }
  /** Never answers. */
  | { kind: 'hang-before-headers' }
  /** 200 and the first stream events (or half the JSON), then silence. */
  | { kind: 'hang-mid-body' }
  /** The first stream events, then a clean end: no finish chunk, no usage, no [DONE]. */
  | { kind: 'truncated-sse' }
  /** 200 with a body that is not JSON (or stream events that are not). */
  | { kind: 'garbage' }
  /** 200 whose content string carries bytes that are not UTF-8. */
  | { kind: 'invalid-utf8' }
  /** 200 with a body of about `bytes` bytes (the content string padded). */
  | { kind: 'huge'; bytes: number }
  /** An error status, with an optional Retry-After. */
  | { kind: 'status'; status: number; retryAfter?: string }
  /** A healthy answer written `bytesPerWrite` at a time, one write per event-loop turn. */
  | { kind: 'drip'; bytesPerWrite: number };

/** A running faulty upstream. */
export interface FaultyUpstream {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** The fault every request from now on meets. */
  setFault(fault: Fault): void;
  /** Requests received so far. */
  readonly requests: number;
  /** Sockets currently open to it. */
  readonly openSockets: number;
  close(): Promise<void>;
}

/** A loopback port nothing listens on (bound, then released): connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The role chunk only: no completion token has been produced when a mid-stream fault hits. */
function firstEvents(): string {
  const [role] = openAIStreamEvents({ contents: [] });
  return `data: ${JSON.stringify(role)}\n\n`;
}

function streamBody(): string {
  return openAIStreamEvents({ contents: ['Hello', ' world'] })
    .map((event) => `data: ${typeof event === 'string' ? event : JSON.stringify(event)}\n\n`)
    .join('');
}

function reset(response: ServerResponse): void {
  (response.socket as Socket | null)?.resetAndDestroy();
}

function answer(response: ServerResponse, fault: Fault, stream: boolean): void {
  const json = JSON.stringify(openAIChatCompletion());
  const contentType = stream ? 'text/event-stream' : 'application/json';
  switch (fault.kind) {
    case 'healthy':
      response.writeHead(200, { 'content-type': contentType });
      response.end(stream ? streamBody() : json);
      return;
    case 'reset-before-headers':
      reset(response);
      return;
    case 'reset-mid-body':
    case 'hang-mid-body':
    case 'truncated-sse': {
      const partial = stream ? firstEvents() : json.slice(0, json.length / 2);
      response.writeHead(200, {
        'content-type': contentType,
        ...(stream ? {} : { 'content-length': String(json.length) }),
      });
      response.write(partial);
      if (fault.kind === 'reset-mid-body') setImmediate(() => reset(response));
      if (fault.kind === 'truncated-sse') response.end();
      return;
    }
    case 'hang-before-headers':
      return;
    case 'garbage':
      response.writeHead(200, { 'content-type': contentType });
      response.end(
        stream ? `${firstEvents()}data: {"choices":[{"delta":{"content":\n\n` : '{"id":',
      );
      return;
    case 'invalid-utf8': {
      const [before, after] = json.split('Hello') as [string, string];
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        Buffer.concat([Buffer.from(before), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(after)]),
      );
      return;
    }
    case 'huge': {
      const body = JSON.stringify(openAIChatCompletion({ content: 'x'.repeat(fault.bytes) }));
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(body);
      return;
    }
    case 'status':
      response.writeHead(fault.status, {
        'content-type': 'application/json',
        ...(fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter }),
      });
      response.end(
        JSON.stringify({ error: { message: `injected ${fault.status}`, type: 'server_error' } }),
      );
      return;
    case 'drip': {
      const bytes = Buffer.from(stream ? streamBody() : json);
      response.writeHead(200, { 'content-type': contentType });
      let offset = 0;
      const next = () => {
        if (response.destroyed) return;
        if (offset >= bytes.length) {
          response.end();
          return;
        }
        response.write(bytes.subarray(offset, offset + fault.bytesPerWrite));
        offset += fault.bytesPerWrite;
        setImmediate(next);
      };
      next();
      return;
    }
    default: {
      const unknown: never = fault;
      throw new Error(`unknown fault ${JSON.stringify(unknown)}`);
    }
  }
}

/** Starts a faulty upstream on 127.0.0.1 with a free port; it starts out healthy. */
export async function startFaultyUpstream(): Promise<FaultyUpstream> {
  let fault: Fault = { kind: 'healthy' };
  let requests = 0;
  const sockets = new Set<Socket>();
  const server = createServer((request, response) => {
    const parts: Buffer[] = [];
    request.on('data', (part: Buffer) => parts.push(part));
    request.on('end', () => {
      requests += 1;
      const body = JSON.parse(Buffer.concat(parts).toString('utf8') || '{}') as {
        stream?: boolean;
      };
      answer(response, fault, body.stream === true);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    setFault(next) {
      fault = next;
    },
    get requests() {
      return requests;
    },
    get openSockets() {
      return sockets.size;
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}
