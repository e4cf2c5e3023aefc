/**
 * The limit for `GET /api/v1/generation`: a bare `node:http` server answering one fixed
 * generation body from memory (the bytes Tollgate returned for a real record of this run), with no
 * routing, authentication or storage.
 *
 * Run: `node --import tsx bench/bare-lookup-server.ts --port 9003 --body-file /tmp/record.json`
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

function startBareLookupServer(port: number, body: Buffer): Promise<void> {
  const headers = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': body.length,
  };
  const server = createServer((request, response) => {
    if (request.method === 'GET' && request.url?.startsWith('/api/v1/generation') === true) {
      response.writeHead(200, headers).end(body);
      return;
    }
    if (request.method === 'GET' && request.url === '/health') {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
}

const { values } = parseArgs({
  options: { port: { type: 'string' }, 'body-file': { type: 'string' } },
});
const bodyFile = values['body-file'];
if (bodyFile === undefined) throw new Error('--body-file is required');
await startBareLookupServer(Number(values.port ?? 0), readFileSync(bodyFile));
