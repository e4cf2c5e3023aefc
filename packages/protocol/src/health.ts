import { z } from 'zod';

/** Body of `GET /health`: the gateway is serving. */
export const HealthResponseSchema = z.object({ status: z.literal('ok') });

/** Body of `GET /health`. */
export type HealthResponse = z.infer<typeof HealthResponseSchema>;

/** State of one dependency in `GET /ready`. */
export const READINESS_STATES = ['ok', 'unavailable', 'not_configured'] as const;

/** Body of `GET /ready` when the node can serve (503 in the error envelope otherwise). */
export const ReadyResponseSchema = z.object({
  status: z.literal('ok'),
  checks: z.object({
    storage: z.enum(READINESS_STATES).describe('The database answers a lookup.'),
    redis: z.enum(READINESS_STATES).describe('Redis answers PING (`not_configured` without it).'),
  }),
});

/** Body of `GET /ready`. */
export type ReadyResponse = z.infer<typeof ReadyResponseSchema>;
