#!/usr/bin/env node
// Regenerates docs/openapi.json and docs/openapi.yaml from the protocol schemas and the route
// table (the same document the gateway serves at /api/v1/openapi.json). A test fails when the
// committed copies drift from it.
//
//   npm run openapi                                   # rewrite docs/openapi.{json,yaml}
//   npm run openapi -- --site build/docs              # also write the reference as static files
//   npm run openapi -- --site build/docs --server-url https://gateway.example.com
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { buildOpenApiDocument } from '../packages/server/src/openapi/build-openapi-document.js';
import { loadGuides } from '../packages/server/src/openapi/load-guides.js';
import { serializeOpenApi } from '../packages/server/src/openapi/serialize-openapi.js';
import { writeDocsSite } from '../packages/server/src/openapi/write-docs-site.js';

const { values } = parseArgs({
  options: { site: { type: 'string' }, 'server-url': { type: 'string' } },
});
const openApi = serializeOpenApi(buildOpenApiDocument());
const docs = new URL('../docs/', import.meta.url);
await writeFile(new URL('openapi.json', docs), openApi.json);
await writeFile(new URL('openapi.yaml', docs), openApi.yaml);
console.log('wrote docs/openapi.json and docs/openapi.yaml');
if (values.site !== undefined) {
  await writeDocsSite(values.site, openApi, loadGuides(), values['server-url']);
  console.log(`wrote the reference site to ${values.site} (serve it over HTTP; open index.html)`);
}
