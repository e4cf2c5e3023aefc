import { EmbeddingsRequestSchema } from '@tollgate/protocol';
import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../gateway-context.js';
import { EMBEDDINGS_API } from '../generation/apis/embeddings.js';
import type { GenerationPipeline } from '../generation/pipeline.js';
import { serveGeneration } from './serve-generation.js';

/** `POST /api/v1/embeddings` (`stream` is ignored, as OpenRouter does). */
export function registerEmbeddings(
  app: FastifyInstance,
  context: GatewayContext,
  pipeline: GenerationPipeline,
): void {
  app.post('/api/v1/embeddings', (request, reply) =>
    serveGeneration(context, pipeline, EMBEDDINGS_API, EmbeddingsRequestSchema, request, reply),
  );
}
