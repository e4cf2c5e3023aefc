import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Caller } from '../accounts/api-keys.js';
import type { GatewayContext } from '../gateway-context.js';
import type { GenerationApi } from '../generation/generation-api.js';
import type { GenerationPipeline } from '../generation/pipeline.js';
import type { ResponseSink } from '../generation/response-sink.js';
import type { StreamedChoice } from '../generation/stream-relay.js';
import { authorize } from '../http/authorize.js';
import { replySink } from '../http/reply-sink.js';
import { headerValue } from '../http/request-info.js';
import { validate } from '../http/validate.js';
import type { RoutableRequest } from '../routing/select-candidates.js';

/**
 * A metered route (chat, completions, embeddings): its path, and its handler's core, which both
 * HTTP paths run — Fastify's route (`serveGeneration` below) and the metered lane
 * (routes/metered-lane.ts).
 */
export interface MeteredRoute {
  readonly url: string;
  /**
   * Validates the parsed body against the route's schema (throws the 400) and runs the pipeline
   * for `caller`, writing to `sink`; the promise rejects only before anything was written.
   */
  serve(
    pipeline: GenerationPipeline,
    caller: Caller,
    body: unknown,
    headers: IncomingHttpHeaders,
    sink: ResponseSink,
  ): Promise<void>;
}

/** The metered route at `url`: its body validated against `schema`, then run through `api`. */
export function meteredRoute<Body extends RoutableRequest, Choice extends StreamedChoice>(
  url: string,
  api: GenerationApi<Body, Choice>,
  schema: z.ZodType<Body>,
): MeteredRoute {
  return {
    url,
    serve(pipeline, caller, body, headers, sink) {
      const request = {
        key: caller.key,
        body: validate(schema, body, 'request body'),
        httpReferer: headerValue(headers, 'http-referer'),
        userAgent: headerValue(headers, 'user-agent'),
        sessionId: headerValue(headers, 'x-session-id'),
      };
      return pipeline.run(api, request, sink);
    },
  };
}

/**
 * A metered route's Fastify handler: the caller (authorized from the headers before the body was
 * read, see http/install-admission.ts), then the route's core.
 */
export async function serveGeneration(
  context: GatewayContext,
  pipeline: GenerationPipeline,
  route: MeteredRoute,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  // Authorized here only when the route was mounted without admission control.
  const caller = request.caller ?? (await authorize(context, request));
  await route.serve(pipeline, caller, request.body, request.headers, replySink(reply));
}
