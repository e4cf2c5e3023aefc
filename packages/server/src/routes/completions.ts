import { TextCompletionRequestSchema } from '@tollgate/protocol';
import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../gateway-context.js';
import { TEXT_COMPLETIONS_API } from '../generation/apis/text-completions.js';
import type { GenerationPipeline } from '../generation/pipeline.js';
import { meteredRoute, serveGeneration } from './serve-generation.js';

/** `POST /api/v1/completions`: OpenRouter's legacy text completions, non-stream and stream. */
export const COMPLETIONS_ROUTE = meteredRoute(
  '/api/v1/completions',
  TEXT_COMPLETIONS_API,
  TextCompletionRequestSchema,
);

/** Registers {@link COMPLETIONS_ROUTE} (the metered lane answers most of its requests). */
export function registerCompletions(
  app: FastifyInstance,
  context: GatewayContext,
  pipeline: GenerationPipeline,
): void {
  app.post(COMPLETIONS_ROUTE.url, (request, reply) =>
    serveGeneration(context, pipeline, COMPLETIONS_ROUTE, request, reply),
  );
}
