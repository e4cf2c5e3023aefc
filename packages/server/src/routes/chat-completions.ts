import { ChatCompletionRequestSchema } from '@tollgate/protocol';
import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../gateway-context.js';
import { CHAT_API } from '../generation/apis/chat.js';
import type { GenerationPipeline } from '../generation/pipeline.js';
import { serveGeneration } from './serve-generation.js';

/** `POST /api/v1/chat/completions`, non-stream and stream (decided by `body.stream` only). */
export function registerChatCompletions(
  app: FastifyInstance,
  context: GatewayContext,
  pipeline: GenerationPipeline,
): void {
  app.post('/api/v1/chat/completions', (request, reply) =>
    serveGeneration(context, pipeline, CHAT_API, ChatCompletionRequestSchema, request, reply),
  );
}
