import {
  EmbeddingsModelsQuerySchema,
  type ModelEndpointsResponse,
  type ModelResponse,
  ModelsCountQuerySchema,
  ModelsListQuerySchema,
} from '@tollgate/protocol';
import type { FastifyInstance } from 'fastify';
import { GatewayError } from '../errors/gateway-error.js';
import type { GatewayContext } from '../gateway-context.js';
import { replyJson } from '../http/reply-json.js';
import { validate } from '../http/validate.js';
import { ModelListing } from './model-listing.js';
import { toModelEndpoints, toWireModel } from './to-wire-model.js';

/** Path parameters naming a model: `<author>/<slug>`. */
interface ModelPath {
  Params: { author: string; slug: string };
}

/** Looks up a prebuilt body by model id; an unknown id is a 404. */
function bodyOf(bodies: ReadonlyMap<string, string>, params: ModelPath['Params']): string {
  const id = `${params.author}/${params.slug}`;
  const body = bodies.get(id);
  if (body === undefined)
    throw new GatewayError('not_found', `Model ${id.slice(0, 128)} not found`);
  return body;
}

/**
 * The model catalog: `GET /api/v1/models` (opt-in paging by `offset`/`limit`), `/models/count`,
 * `/embeddings/models` (the embedding models),
 * `/model/{author}/{slug}` and `/models/{author}/{slug}/endpoints`. Public, as on OpenRouter: no
 * key is needed and an Authorization header is never read. Every body but the endpoints listing (which carries live figures) is built from the
 * immutable catalog once (at registration, or on a query's first use) and then served as is.
 */
export function registerModels(app: FastifyInstance, context: GatewayContext): void {
  const catalogModels = context.catalog.list();
  const models = catalogModels.map(toWireModel);
  const listing = new ModelListing(models);
  const modelBodies = new Map(
    models.map((model) => [model.id, JSON.stringify({ data: model } satisfies ModelResponse)]),
  );
  const catalogById = new Map(catalogModels.map((model) => [model.id, model]));

  app.get('/api/v1/models', async (request, reply) =>
    replyJson(reply, 200, listing.page(validate(ModelsListQuerySchema, request.query, 'query'))),
  );
  // OpenRouter's list of embedding models: `/models?output_modalities=embeddings` by another name.
  app.get('/api/v1/embeddings/models', async (request, reply) => {
    const query = validate(EmbeddingsModelsQuerySchema, request.query, 'query');
    return replyJson(reply, 200, listing.page({ ...query, output_modalities: 'embeddings' }));
  });
  app.get('/api/v1/models/count', async (request, reply) =>
    replyJson(reply, 200, listing.count(validate(ModelsCountQuerySchema, request.query, 'query'))),
  );
  app.get<ModelPath>('/api/v1/model/:author/:slug', async (request, reply) =>
    replyJson(reply, 200, bodyOf(modelBodies, request.params)),
  );
  app.get<ModelPath>('/api/v1/models/:author/:slug/endpoints', async (request, reply) => {
    // Built per request: the listing carries this node's live uptime and latency figures.
    const id = `${request.params.author}/${request.params.slug}`;
    const model = catalogById.get(id);
    if (model === undefined) {
      throw new GatewayError('not_found', `Model ${id.slice(0, 128)} not found`);
    }
    const body: ModelEndpointsResponse = {
      data: toModelEndpoints(model, context.endpointStats),
    };
    return replyJson(reply, 200, JSON.stringify(body));
  });
}
