import type { FastifyInstance } from 'fastify';
import { buildOpenApiDocument } from '../openapi/build-openapi-document.js';
import { type SerializedOpenApi, serializeOpenApi } from '../openapi/serialize-openapi.js';

let built: SerializedOpenApi | undefined;

/**
 * The document, built on first use and kept for the life of the process: it depends on nothing
 * per gateway, and building it (~0.4 s) at every start would slow every test gateway down.
 */
function openApi(): SerializedOpenApi {
  built ??= serializeOpenApi(buildOpenApiDocument());
  return built;
}

/**
 * `GET /api/v1/openapi.json` and `/openapi.yaml`: the API reference as OpenAPI 3.1, generated
 * from the protocol schemas once per process and then served as is. Public, like the catalog.
 */
export function registerOpenApi(app: FastifyInstance): void {
  app.get('/api/v1/openapi.json', async (_request, reply) =>
    reply.type('application/json; charset=utf-8').send(openApi().json),
  );
  app.get('/api/v1/openapi.yaml', async (_request, reply) =>
    reply.type('application/yaml; charset=utf-8').send(openApi().yaml),
  );
}
