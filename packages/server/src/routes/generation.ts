import { GetGenerationContentQuerySchema, GetGenerationQuerySchema } from '@tollgate/protocol';
import type { FastifyInstance } from 'fastify';
import { GatewayError } from '../errors/gateway-error.js';
import type { GatewayContext } from '../gateway-context.js';
import { authorize } from '../http/authorize.js';
import { validate } from '../http/validate.js';
import { awaitInflightRecord } from '../ledger/await-inflight-record.js';
import { unpackContent } from '../ledger/generation-content.js';

/**
 * `GET /api/v1/generation?id=`: the stored record, byte for byte as committed; an id still in
 * flight somewhere in the deployment is waited for (up to `inflight.lookup_wait_ms`). Another key's
 * generation is answered exactly like a missing one (404); management keys read all.
 */
export function registerGeneration(app: FastifyInstance, context: GatewayContext): void {
  app.get('/api/v1/generation', async (request, reply) => {
    const caller = await authorize(context, request);
    const { id } = validate(GetGenerationQuerySchema, request.query, 'query');
    let stored = id.length > 128 ? undefined : await context.storage.generations.get(id);
    // A miss may be a generation still in flight (a stream ending, or a dead node's row about to
    // be recovered): wait for its record, bounded (docs/decisions/0017).
    if (stored === undefined && id.length <= 128 && context.inflightLookup.waitMs > 0) {
      const keyHash = caller.key.isManagement ? null : caller.key.hash;
      stored = await awaitInflightRecord(context.inflightLookup, id, keyHash);
    }
    if (stored === undefined || (stored.keyHash !== caller.key.hash && !caller.key.isManagement)) {
      throw new GatewayError('not_found', `Generation ${id.slice(0, 128)} not found`);
    }
    return reply.type('application/json; charset=utf-8').send(`{"data":${stored.record}}`);
  });

  // The prompt and output, when `store_content` kept them (403 otherwise, as OpenRouter does).
  app.get('/api/v1/generation/content', async (request, reply) => {
    const caller = await authorize(context, request);
    const { id } = validate(GetGenerationContentQuerySchema, request.query, 'query');
    const stored = id.length > 128 ? undefined : await context.storage.generations.get(id);
    if (stored === undefined || (stored.keyHash !== caller.key.hash && !caller.key.isManagement)) {
      throw new GatewayError('not_found', `Generation ${id.slice(0, 128)} not found`);
    }
    const content = await context.storage.generations.getContent(id);
    if (content === undefined) {
      throw new GatewayError('forbidden', 'Content was not stored for this generation', {
        metadata: { store_content: false },
      });
    }
    const json = await unpackContent(content);
    return reply.type('application/json; charset=utf-8').send(`{"data":${json}}`);
  });
}
