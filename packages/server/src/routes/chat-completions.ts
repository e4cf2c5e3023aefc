import { ChatCompletionRequestSchema } from '@tollgate/protocol';
import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../gateway-context.js';
import { CHAT_API } from '../generation/apis/chat.js';
import type { GenerationPipeline } from '../generation/pipeline.js';
import { meteredRoute, serveGeneration } from './serve-generation.js';

/** `POST /api/v1/chat/completions`, non-stream and stream (decided by `body.stream` only). */
export const CHAT_COMPLETIONS_ROUTE = meteredRoute(
  '/api/v1/chat/completions',
  CHAT_API,
  ChatCompletionRequestSchema,
);

/** Registers {@link CHAT_COMPLETIONS_ROUTE} (the metered lane answers most of its requests). */
export function registerChatCompletions(
  app: FastifyInstance,
  context: GatewayContext,
  pipeline: GenerationPipeline,
): void {
  app.post(CHAT_COMPLETIONS_ROUTE.url, (request, reply) =>
    serveGeneration(context, pipeline, CHAT_COMPLETIONS_ROUTE, request, reply),
  );
}
