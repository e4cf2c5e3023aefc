import { TextCompletionRequestSchema } from '@tollgate/protocol';
import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../gateway-context.js';
import { TEXT_COMPLETIONS_API } from '../generation/apis/text-completions.js';
import type { GenerationPipeline } from '../generation/pipeline.js';
import { serveGeneration } from './serve-generation.js';

/** `POST /api/v1/completions`: OpenRouter's legacy text completions, non-stream and stream. */
export function registerCompletions(
  app: FastifyInstance,
  context: GatewayContext,
  pipeline: GenerationPipeline,
): void {
  app.post('/api/v1/completions', (request, reply) =>
    serveGeneration(
      context,
      pipeline,
      TEXT_COMPLETIONS_API,
      TextCompletionRequestSchema,
      request,
      reply,
    ),
  );
}
