/**
 * The raw reverse proxy baseline: a `node:http` server that forwards bytes to the upstream with an
 * undici `Pool` and does nothing else. The only rewrite is the path prefix (`/api/v1/` → `/v1/`);
 * hop-by-hop headers are dropped both ways and bodies are piped, never parsed. It is what any
 * gateway costs at the least, so Tollgate's figures are read as a ratio to it.
 *
 * Run: `node --import tsx bench/raw-proxy.ts --port 9002 --upstream http://127.0.0.1:9001`
 */
import { createServer, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';

/** Headers that describe one connection, not the message (RFC 9110 §7.6.1), plus `host`. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'expect',
]);

function endToEnd(headers: Record<string, string | string[] | undefined>): OutgoingHttpHeaders {
  const kept: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) kept[name] = value;
  }
  return kept;
}

function upstreamPath(url: string | undefined): string {
  const path = url ?? '/';
  return path.startsWith('/api/v1/') ? path.slice('/api'.length) : path;
}

function startRawProxy(port: number, upstream: string): Promise<void> {
  // Enough sockets for the 1,000 streams held open at once by the memory scenario.
  const pool = new Pool(upstream, { connections: 2048, keepAliveTimeout: 30_000 });
  const server = createServer((request, response) => {
    if (request.method === 'GET' && request.url === '/health') {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
    pool.stream(
      {
        method: request.method === 'POST' ? 'POST' : 'GET',
        path: upstreamPath(request.url),
        headers: endToEnd(request.headers as IncomingHttpHeaders) as IncomingHttpHeaders,
        body: hasBody ? request : null,
      },
      ({ statusCode, headers }) => {
        response.writeHead(statusCode, endToEnd(headers));
        return response;
      },
      (error) => {
        if (error === null) return;
        if (response.headersSent) response.destroy(error);
        else
          response
            .writeHead(502, { 'content-type': 'application/json' })
            .end('{"error":"bad gateway"}');
      },
    );
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
}

const { values } = parseArgs({
  options: { port: { type: 'string' }, upstream: { type: 'string' } },
});
if (values.upstream === undefined) throw new Error('--upstream is required');
await startRawProxy(Number(values.port ?? 0), values.upstream);
