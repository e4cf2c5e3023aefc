import { boundCost, type CostShape, type MaxCost, outputBound } from '../accounts/max-cost.js';
import type { SpendControl } from '../accounts/spend-guard.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { Settlement } from '../ledger/generation-meter.js';
import type { Pico } from '../ledger/money.js';
import type { UpstreamCall } from '../providers/provider-adapter.js';
import type { ModelEndpoint } from '../routing/model-catalog.js';
import type { Candidate, RoutePlan } from '../routing/select-candidates.js';
import type { ApiKeyRow } from '../storage/storage.js';

// The pipeline's hold stage: what a generation may cost at most, reserved before dispatch.

/** How a metered route reaches an upstream: what bounds its cost, and the adapter's call. */
export interface UpstreamRoute<Body> {
  /** What bounds the body's cost besides its upstream bytes (read only when a limit applies). */
  costShape(body: Body): CostShape;
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
  shape: CostShape,
): BoundCandidate {
  const output = outputBound(shape, candidate.model);
  // Without an output bound the hold would not hold: the body gets the max_tokens it assumes.
  const sent = output.injectMaxTokens ? { ...body, max_tokens: output.maxTokens } : body;
  let call: UpstreamCall;
  try {
    call = route.buildCall(sent, candidate);
  } catch (buildError) {
    // Never sent (dispatch ends the chain there, uncharged); rethrown when dispatch asks for it.
    return { candidate, buildError, ...output, maxCost: 0n };
  }
  return { candidate, call, ...boundCost(call.body, shape, output, candidate.endpoint) };
}

/**
 * Holds the request's worst-case cost when a limit applies — the bound of the most expensive
 * candidate, since any may serve — otherwise just tracks usage. Each candidate's bound is read off
 * the very upstream call its adapter builds, and dispatch sends that call: no field of the body
 * can escape the bound (docs/decisions/0016-spend-bound-from-upstream-bytes.md).
 */
export async function holdSpend<Body extends object>(
  spendGuard: SpendControl,
  key: ApiKeyRow,
  plan: RoutePlan,
  body: Body,
  route: UpstreamRoute<Body>,
): Promise<HeldRequest> {
  refuseUnenforceableByokLimit(key, plan);
  if (!spendGuard.isLimited(key)) {
    return {
      settlement: {
        settle: (actual, createdAtMs) => spendGuard.record(key.hash, actual, createdAtMs),
        release: () => undefined,
      },
      callOf: (candidate) => route.buildCall(body, candidate),
      chargeCap: () => null,
    };
  }
  const shape = route.costShape(body);
  const bounds = plan.candidates.map((candidate) => boundCandidate(candidate, body, route, shape));
  const hold = bounds.reduce((most, next) => (next.maxCost > most.maxCost ? next : most));
  const settlement = await spendGuard.reserve(key, hold.maxCost, hold.maxTokens);
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
