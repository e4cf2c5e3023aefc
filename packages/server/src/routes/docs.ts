import { createReadStream } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { renderDocsPage, scalarBundlePath } from '../openapi/docs-page.js';
import { buildGuidesDocument, loadGuides } from '../openapi/load-guides.js';

/** Path of the Scalar bundle as the gateway serves it. */
export const DOCS_SCRIPT_PATH = '/docs/assets/scalar-standalone.js';

/** Path of the guides document the page shows next to the API. */
export const DOCS_GUIDES_PATH = '/docs/assets/guides.json';

let guides: string | undefined;

/** The guides document, read from `docs/` on first use and kept for the life of the process. */
function guidesDocument(): string {
  guides ??= JSON.stringify(buildGuidesDocument(loadGuides()));
  return guides;
}

/**
 * `GET /docs`: the interactive API reference (Scalar) plus the guides, served with their one
 * script from the installed package — no CDN — and the explorer sending requests to this gateway.
 */
export function registerDocs(app: FastifyInstance): void {
  const bundle = scalarBundlePath();
  const page = renderDocsPage({
    scriptUrl: DOCS_SCRIPT_PATH,
    documentUrl: '/api/v1/openapi.json',
    guidesUrl: DOCS_GUIDES_PATH,
  });
  app.get('/docs', async (_request, reply) => reply.type('text/html; charset=utf-8').send(page));
  app.get(DOCS_GUIDES_PATH, async (_request, reply) =>
    reply.type('application/json; charset=utf-8').send(guidesDocument()),
  );
  app.get(DOCS_SCRIPT_PATH, async (_request, reply) =>
    reply
      .type('text/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=3600')
      .send(createReadStream(bundle)),
  );
}
