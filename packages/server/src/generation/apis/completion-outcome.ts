import { finishReasonFailure } from '../../ledger/to-content-error.js';
import type { UpstreamCompletion } from '../../providers/provider-adapter.js';
import { redactChoiceError } from '../../providers/redact-provider-key.js';
import type { ModelEndpoint } from '../../routing/model-catalog.js';
import type { ReadOutcome } from '../generation-api.js';

/**
 * What a non-stream completion (chat or legacy text) tells the record: the upstream id, the first
 * choice's finish reasons, usage and service tier, with the completion text the route read. A
 * first choice that finished with `error` is the generation's failure, as stored content shows
 * it; the provider key is cut out of its `error`, which the client is sent as it is.
 */
export function completionOutcome(
  completion: UpstreamCompletion<{
    finish_reason: string | null;
    native_finish_reason?: string | null | undefined;
    error?: unknown;
  }>,
  completionText: string,
  endpoint: ModelEndpoint,
  output?: ReadOutcome['output'],
): ReadOutcome {
  const first = completion.choices[0];
  const finishReason = first?.finish_reason ?? null;
  const nativeFinishReason = first?.native_finish_reason ?? null;
  return {
    upstreamId: completion.upstreamId,
    finishReason,
    nativeFinishReason,
    usage: completion.usage,
    completionText,
    output,
    serviceTier: completion.serviceTier,
    failure:
      first !== undefined && finishReason === 'error'
        ? finishReasonFailure(
            redactChoiceError(first, endpoint.provider.settings),
            nativeFinishReason,
            endpoint.provider.name,
          )
        : undefined,
  };
}
