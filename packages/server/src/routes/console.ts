import { readFile } from 'node:fs/promises';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { GatewayError } from '../errors/gateway-error.js';
import { PAGE_HEADERS } from '../http/page-headers.js';

/**
 * Where `npm run build` writes the console (packages/console/build.mjs): `dist/console` of this
 * package, reached from `src/routes` (tests) and `dist/routes` (built) alike.
 */
const CONSOLE_DIR = new URL('../../dist/console/', import.meta.url);

const FILES = {
  'index.html': 'text/html; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
} as const;

/**
 * `GET /console`: the web console (a static React app calling this gateway's API with the key the
 * user pastes), also served at `GET /`. Files are read once, on first request.
 */
export function registerConsole(app: FastifyInstance): void {
  const cache = new Map<keyof typeof FILES, Buffer>();
  const serve = async (file: keyof typeof FILES) => {
    let body = cache.get(file);
    if (body === undefined) {
      try {
        body = await readFile(new URL(file, CONSOLE_DIR));
      } catch {
        throw new GatewayError('not_found', 'The console is not built: run `npm run build`');
      }
      cache.set(file, body);
    }
    return body;
  };
  const page = async (_request: unknown, reply: FastifyReply) =>
    reply
      .type(FILES['index.html'])
      .headers(PAGE_HEADERS)
      .header('cache-control', 'no-cache')
      .send(await serve('index.html'));
  app.get('/', page);
  app.get('/console', page);
  for (const file of ['console.js', 'console.css'] as const) {
    app.get(`/console/${file}`, async (_request, reply) =>
      reply
        .type(FILES[file])
        .headers(PAGE_HEADERS)
        .header('cache-control', 'no-cache')
        .send(await serve(file)),
    );
  }
}
