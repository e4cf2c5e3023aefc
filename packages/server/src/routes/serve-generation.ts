import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { GatewayContext } from '../gateway-context.js';
import type { GenerationApi } from '../generation/generation-api.js';
import type { GenerationPipeline } from '../generation/pipeline.js';
import type { StreamedChoice } from '../generation/stream-relay.js';
import { authorize } from '../http/authorize.js';
import { replySink } from '../http/reply-sink.js';
import { headerValue } from '../http/request-info.js';
import { validate } from '../http/validate.js';
import type { RoutableRequest } from '../routing/select-candidates.js';

/**
 * A metered route's whole handler: the caller (authorized from the headers before the body was
 * read, see http/admission.ts), the body validated against `schema` (400), then the pipeline.
 */
export async function serveGeneration<Body extends RoutableRequest, Choice extends StreamedChoice>(
  context: GatewayContext,
  pipeline: GenerationPipeline,
  api: GenerationApi<Body, Choice>,
  schema: z.ZodType<Body>,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  // Authorized here only when the route was mounted without admission control.
  const caller = request.caller ?? (await authorize(context, request));
  const body = validate(schema, request.body, 'request body');
  const { headers } = request;
  await pipeline.run(
    api,
    {
      key: caller.key,
      body,
      httpReferer: headerValue(headers, 'http-referer'),
      userAgent: headerValue(headers, 'user-agent'),
      sessionId: headerValue(headers, 'x-session-id'),
    },
    replySink(reply),
  );
}
