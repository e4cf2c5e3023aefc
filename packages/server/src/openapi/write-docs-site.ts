import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderDocsPage, scalarBundlePath } from './docs-page.js';
import type { Guide } from './load-guides.js';
import { renderGuidePages } from './render-guides.js';
import type { SerializedOpenApi } from './serialize-openapi.js';

/**
 * Writes the reference as static files: `index.html`, `openapi.json`, `openapi.yaml`, the Scalar
 * bundle and the guides as `guides/*.html`, all linked relatively, so the folder can be served
 * from any path. The explorer sends requests to `serverUrl` (default: the origin the page is
 * served from).
 */
export async function writeDocsSite(
  directory: string,
  openApi: SerializedOpenApi,
  guides: readonly Guide[],
  serverUrl?: string,
): Promise<void> {
  await mkdir(join(directory, 'guides'), { recursive: true });
  const page = renderDocsPage({
    scriptUrl: './scalar-standalone.js',
    documentUrl: './openapi.json',
    guidesUrl: './guides/index.html',
    serverUrl,
  });
  const rendered = renderGuidePages(guides, {
    page: (slug) => `./${slug}.html`,
    index: './index.html',
    apiReference: '../index.html',
  });
  await Promise.all([
    writeFile(join(directory, 'index.html'), page),
    writeFile(join(directory, 'openapi.json'), openApi.json),
    writeFile(join(directory, 'openapi.yaml'), openApi.yaml),
    writeFile(join(directory, 'guides', 'index.html'), rendered.index),
    ...[...rendered.pages].map(([slug, html]) =>
      writeFile(join(directory, 'guides', `${slug}.html`), html),
    ),
    copyFile(scalarBundlePath(), join(directory, 'scalar-standalone.js')),
  ]);
}
