import { createReadStream } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { GatewayError } from '../errors/gateway-error.js';
import { PAGE_HEADERS } from '../http/page-headers.js';
import { renderDocsPage, scalarBundlePath } from '../openapi/docs-page.js';
import { loadGuides } from '../openapi/load-guides.js';
import {
  GATEWAY_GUIDE_LINKS,
  type GuidePages,
  renderGuidePages,
} from '../openapi/render-guides.js';

/** Path of the Scalar bundle as the gateway serves it. */
export const DOCS_SCRIPT_PATH = '/docs/assets/scalar-standalone.js';

let guides: GuidePages | undefined;

/** The guide pages, rendered from `docs/` on first use and kept for the life of the process. */
function guidePages(): GuidePages {
  guides ??= renderGuidePages(loadGuides(), GATEWAY_GUIDE_LINKS);
  return guides;
}

/**
 * `GET /docs`: the interactive API reference (Scalar), served with its one script from the
 * installed package — no CDN — and the explorer sending requests to this gateway.
 * `GET /docs/guides` and `/docs/guides/<name>`: the guides as plain HTML pages.
 */
export function registerDocs(app: FastifyInstance): void {
  const bundle = scalarBundlePath();
  const page = renderDocsPage({
    scriptUrl: DOCS_SCRIPT_PATH,
    documentUrl: '/api/v1/openapi.json',
    guidesUrl: GATEWAY_GUIDE_LINKS.index,
  });
  const html = 'text/html; charset=utf-8';
  app.get('/docs', async (_request, reply) => reply.type(html).headers(PAGE_HEADERS).send(page));
  app.get('/docs/guides', async (_request, reply) =>
    reply.type(html).headers(PAGE_HEADERS).send(guidePages().index),
  );
  app.get<{ Params: { name: string } }>('/docs/guides/:name', async (request, reply) => {
    const guide = guidePages().pages.get(request.params.name);
    if (guide === undefined) {
      throw new GatewayError('not_found', `No guide named ${request.params.name.slice(0, 100)}`);
    }
    return reply.type(html).headers(PAGE_HEADERS).send(guide);
  });
  app.get(DOCS_SCRIPT_PATH, async (_request, reply) =>
    reply
      .type('text/javascript; charset=utf-8')
      .headers(PAGE_HEADERS)
      .header('cache-control', 'public, max-age=3600')
      .send(createReadStream(bundle)),
  );
}
