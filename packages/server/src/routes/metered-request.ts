import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { boundCost, type CostShape, type MaxCost, outputBound } from '../accounts/max-cost.js';
import { GatewayError, UpstreamError } from '../errors/gateway-error.js';
import { toGatewayError } from '../errors/to-error-response.js';
import type { GatewayContext } from '../gateway-context.js';
import { authorize } from '../http/authorize.js';
import { headerValue } from '../http/request-info.js';
import { validate } from '../http/validate.js';
import { GenerationMeter, type MeterInit, type Settlement } from '../ledger/generation-meter.js';
import type { FinishedGeneration } from '../ledger/generation-record.js';
import type { Pico } from '../ledger/money.js';
import type { UpstreamCall, UpstreamCompletion } from '../providers/provider-adapter.js';
import { toTransportError } from '../providers/upstream-client.js';
import { clientGone, type Dispatched, recordFailure } from '../routing/dispatch.js';
import type { ModelEndpoint } from '../routing/model-catalog.js';
import {
  type Candidate,
  type RoutableRequest,
  type RoutePlan,
  selectCandidates,
} from '../routing/select-candidates.js';
import type { ApiKeyRow } from '../storage/storage.js';

// The steps every metered route (chat, legacy completions, embeddings) shares, in request order.

/** An authorized, validated request and the endpoints that may serve it. */
export interface Admitted<Body> {
  key: ApiKeyRow;
  body: Body;
  plan: RoutePlan;
}

/**
 * Admits a metered request: authorizes its key (401, 429), validates its body (400) and plans its
 * candidates among the endpoints that `serves` (404 when none can).
 */
export async function admitRequest<Schema extends z.ZodType<RoutableRequest>>(
  context: GatewayContext,
  request: FastifyRequest,
  schema: Schema,
  serves?: (endpoint: ModelEndpoint) => boolean,
): Promise<Admitted<z.infer<Schema>>> {
  // Authorized from the headers before the body was read (admission.ts); authorized here only
  // when the route was mounted without admission control.
  const caller = request.caller ?? (await authorize(context, request));
  context.spendGuard.touch(caller.key);
  const body = validate(schema, request.body, 'request body');
  const plan = selectCandidates(
    body,
    context.catalog,
    context.endpointStats,
    serves,
    caller.key.hash,
  );
  return { key: caller.key, body, plan };
}

/** Prompt media counts; chat messages only ever have any. */
type MediaFields = 'numMediaPrompt' | 'numPromptImages' | 'numInputAudioPrompt';

/** What a route knows of its generation beyond the caller and the HTTP request. */
export type MeterFields = Omit<
  MeterInit,
  | 'keyHash'
  | 'workspaceId'
  | 'settlement'
  | 'chargeCap'
  | 'httpReferer'
  | 'userAgent'
  | 'sessionId'
  | 'dataRegion'
  | 'storeContent'
  | 'nowMs'
  | 'messages'
  | MediaFields
> &
  Partial<Pick<MeterInit, 'messages' | MediaFields>> & {
    /** The body's `session_id`, which wins over the `x-session-id` header. */
    sessionId: string | undefined;
  };

/** Starts metering a generation: ids, clock, attribution headers and prompt counting. */
export function createRequestMeter(
  context: GatewayContext,
  request: FastifyRequest,
  key: ApiKeyRow,
  held: Pick<HeldRequest, 'settlement' | 'chargeCap'>,
  fields: MeterFields,
): GenerationMeter {
  const { sessionId, ...known } = fields;
  return new GenerationMeter(
    {
      messages: [],
      numMediaPrompt: 0,
      numPromptImages: 0,
      numInputAudioPrompt: 0,
      ...known,
      keyHash: key.hash,
      workspaceId: key.workspaceId,
      settlement: held.settlement,
      chargeCap: held.chargeCap,
      httpReferer: headerValue(request.headers, 'http-referer'),
      userAgent: headerValue(request.headers, 'user-agent'),
      sessionId: sessionId ?? headerValue(request.headers, 'x-session-id'),
      dataRegion: context.dataRegion,
      storeContent: key.storeContent ?? context.storeContent,
      nowMs: context.now(),
    },
    context.ledger,
  );
}

/** How a metered route reaches an upstream: what bounds its cost, and the adapter's call. */
export interface UpstreamRoute<Body> {
  shape: CostShape;
  /** The adapter's upstream call for `body` at a candidate (it may throw a 400). */
  buildCall(body: Body, candidate: Candidate): UpstreamCall;
}

/** A request past its spend hold. */
export interface HeldRequest {
  settlement: Settlement;
  /** The call to send to a candidate: exactly the bytes its bound was computed from. */
  callOf(candidate: Candidate): UpstreamCall;
  /** The most the key may be charged when `endpoint` serves (its bound); null without a hold. */
  chargeCap(endpoint: ModelEndpoint): Pico | null;
}

/** One candidate's upstream call (or why it cannot be built) and its cost bound. */
type BoundCandidate = MaxCost & { candidate: Candidate } & (
    | { call: UpstreamCall }
    | { buildError: unknown }
  );

function boundCandidate<Body extends object>(
  candidate: Candidate,
  body: Body,
  route: UpstreamRoute<Body>,
): BoundCandidate {
  const output = outputBound(route.shape, candidate.model);
  // Without an output bound the hold would not hold: the body gets the max_tokens it assumes.
  const sent = output.injectMaxTokens ? { ...body, max_tokens: output.maxTokens } : body;
  let call: UpstreamCall;
  try {
    call = route.buildCall(sent, candidate);
  } catch (buildError) {
    // Never sent (dispatch ends the chain there, uncharged); rethrown when dispatch asks for it.
    return { candidate, buildError, ...output, maxCost: 0n };
  }
  return { candidate, call, ...boundCost(call.body, route.shape, output, candidate.endpoint) };
}

/**
 * Holds the request's worst-case cost when a limit applies — the bound of the most expensive
 * candidate, since any may serve — otherwise just tracks usage. Each candidate's bound is read off
 * the very upstream call its adapter builds, and dispatch sends that call: no field of the body
 * can escape the bound (docs/decisions/0016-spend-bound-from-upstream-bytes.md).
 */
export async function holdSpend<Body extends object>(
  context: GatewayContext,
  key: ApiKeyRow,
  plan: RoutePlan,
  body: Body,
  route: UpstreamRoute<Body>,
): Promise<HeldRequest> {
  refuseUnenforceableByokLimit(key, plan);
  if (!context.spendGuard.isLimited(key)) {
    return {
      settlement: {
        settle: (actual, createdAtMs) => context.spendGuard.record(key.hash, actual, createdAtMs),
        release: () => undefined,
      },
      callOf: (candidate) => route.buildCall(body, candidate),
      chargeCap: () => null,
    };
  }
  const bounds = plan.candidates.map((candidate) => boundCandidate(candidate, body, route));
  const hold = bounds.reduce((most, next) => (next.maxCost > most.maxCost ? next : most));
  const settlement = await context.spendGuard.reserve(key, hold.maxCost, hold.maxTokens);
  const byCandidate = new Map(bounds.map((bound) => [bound.candidate, bound]));
  const caps = new Map(bounds.map((bound) => [bound.candidate.endpoint, bound.maxCost]));
  return {
    settlement,
    callOf(candidate) {
      const bound = byCandidate.get(candidate);
      if (bound === undefined) throw new Error(`candidate ${candidate.endpoint.id} was not bound`);
      if ('buildError' in bound) throw bound.buildError;
      return bound.call;
    },
    chargeCap: (endpoint) => caps.get(endpoint) ?? hold.maxCost,
  };
}

/**
 * A key whose limit should count BYOK usage (`include_byok_in_limit`) cannot be held to it yet:
 * the spend guards count what keys are charged, and a BYOK request is charged only the fee.
 * Rather than let such a key run past its limit on its own provider key, its BYOK requests are
 * refused with a message saying what to change (docs/decisions/0013-byok.md).
 */
function refuseUnenforceableByokLimit(key: ApiKeyRow, plan: RoutePlan): void {
  if (key.limitPico === null || !key.includeByokInLimit) return;
  const byok = plan.candidates.find((candidate) => candidate.endpoint.byok !== null);
  if (byok === undefined) return;
  throw new GatewayError(
    'invalid_request',
    `This key has a limit with include_byok_in_limit: true, and this request would run on a BYOK credential (${byok.endpoint.provider.name}); Tollgate cannot count BYOK usage against a key's limit yet. Set include_byok_in_limit to false on this key (PATCH /api/v1/keys/{hash}), or remove its limit.`,
    { metadata: { include_byok_in_limit: true, provider: byok.endpoint.provider.name } },
  );
}

/**
 * Reads a non-stream upstream body as JSON and translates it with `parse` (the adapter's). A
 * failure — a body that is not JSON or not the expected shape, or the client leaving — is
 * recorded, then thrown.
 */
export async function parseUpstreamJson<Parsed>(
  meter: GenerationMeter,
  dispatched: Dispatched,
  signal: AbortSignal,
  parse: (json: unknown) => Parsed,
): Promise<Parsed> {
  const { response, candidate } = dispatched;
  const providerName = candidate.endpoint.provider.name;
  try {
    const json: unknown = await response.body.json().catch((error: unknown) => {
      if (signal.aborted) throw error;
      if (!(error instanceof SyntaxError)) throw toTransportError(error, providerName);
      throw new UpstreamError(
        'upstream_error',
        'Provider returned an invalid response: body is not JSON',
        { provider_name: providerName },
        { retryable: true, cause: error },
      );
    });
    meter.firstToken();
    return parse(json);
  } catch (error) {
    const cancelled = signal.aborted;
    return recordFailure(meter, candidate, cancelled ? clientGone() : error, cancelled);
  }
}

/** Feeds a served generation's latency and throughput into the endpoint statistics. */
export function recordServed(
  context: GatewayContext,
  candidate: Candidate,
  finished: FinishedGeneration,
): void {
  const {
    latency,
    generation_time: generationTime,
    native_tokens_completion: tokens,
    api_type: apiType,
  } = finished.record;
  // Embeddings produce no tokens: they say nothing about an endpoint's throughput.
  const throughput =
    apiType !== 'embeddings' && generationTime !== null && generationTime > 0 && tokens !== null
      ? (tokens * 1000) / generationTime
      : null;
  context.endpointStats.recordSuccess(candidate.endpoint.id, latency, throughput);
}

/** Commits a non-stream completion (chat or legacy text) and records the endpoint's service. */
export async function finishCompletion(
  context: GatewayContext,
  meter: GenerationMeter,
  candidate: Candidate,
  completion: UpstreamCompletion<{
    finish_reason: string | null;
    native_finish_reason: string | null;
  }>,
  completionText: string,
  cancelled: boolean,
  output?: { completion: string; reasoning: string | null },
): Promise<FinishedGeneration> {
  const first = completion.choices[0];
  const finished = await meter.finish({
    model: candidate.model.id,
    endpoint: candidate.endpoint,
    upstreamId: completion.upstreamId,
    finishReason: first?.finish_reason ?? null,
    nativeFinishReason: first?.native_finish_reason ?? null,
    usage: completion.usage,
    completionText,
    ...(output === undefined ? {} : { output }),
    cancelled,
    serviceTier: completion.serviceTier,
  });
  recordServed(context, candidate, finished);
  return finished;
}

/** Sends a non-stream route's JSON body; any failure leaves as OpenRouter's error envelope. */
export async function sendJson(
  reply: FastifyReply,
  produce: () => Promise<string>,
): Promise<FastifyReply> {
  let payload: string;
  try {
    payload = await produce();
  } catch (error) {
    throw toGatewayError(error);
  }
  return reply.type('application/json; charset=utf-8').send(payload);
}
