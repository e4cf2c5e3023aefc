import { EmbeddingsRequestSchema } from '@tollgate/protocol';
import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../gateway-context.js';
import { EMBEDDINGS_API } from '../generation/apis/embeddings.js';
import type { GenerationPipeline } from '../generation/pipeline.js';
import { meteredRoute, serveGeneration } from './serve-generation.js';

/** `POST /api/v1/embeddings` (`stream` is ignored, as OpenRouter does). */
export const EMBEDDINGS_ROUTE = meteredRoute(
  '/api/v1/embeddings',
  EMBEDDINGS_API,
  EmbeddingsRequestSchema,
);

/** Registers {@link EMBEDDINGS_ROUTE} (the metered lane answers most of its requests). */
export function registerEmbeddings(
  app: FastifyInstance,
  context: GatewayContext,
  pipeline: GenerationPipeline,
): void {
  app.post(EMBEDDINGS_ROUTE.url, (request, reply) =>
    serveGeneration(context, pipeline, EMBEDDINGS_ROUTE, request, reply),
  );
}
