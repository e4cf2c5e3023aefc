import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SerializedOpenApi } from '../routes/openapi.js';
import { renderDocsPage, scalarBundlePath } from './docs-page.js';
import { buildGuidesDocument, type Guide } from './load-guides.js';

/**
 * Writes the reference as static files: `index.html`, `openapi.json`, `openapi.yaml`,
 * `guides.json` and the Scalar bundle, all relative, so the folder can be served from any path. The explorer sends
 * requests to `serverUrl` (default: the origin the page is served from).
 */
export async function writeDocsSite(
  directory: string,
  openApi: SerializedOpenApi,
  guides: readonly Guide[],
  serverUrl?: string,
): Promise<void> {
  await mkdir(directory, { recursive: true });
  const page = renderDocsPage({
    scriptUrl: './scalar-standalone.js',
    documentUrl: './openapi.json',
    guidesUrl: './guides.json',
    serverUrl,
  });
  await Promise.all([
    writeFile(join(directory, 'index.html'), page),
    writeFile(join(directory, 'openapi.json'), openApi.json),
    writeFile(join(directory, 'openapi.yaml'), openApi.yaml),
    writeFile(join(directory, 'guides.json'), JSON.stringify(buildGuidesDocument(guides))),
    copyFile(scalarBundlePath(), join(directory, 'scalar-standalone.js')),
  ]);
}
