import { finishReasonFailure } from '../../ledger/to-content-error.js';
import type { UpstreamCompletion } from '../../providers/provider-adapter.js';
import { redactChoiceError } from '../../providers/redact-provider-key.js';
import type { ModelEndpoint } from '../../routing/model-catalog.js';
import type { ReadOutcome } from '../generation-api.js';

/**
 * What a non-stream completion (chat or legacy text) tells the record: the upstream id, the first
 * choice's finish reasons, usage and service tier, with the completion text the route read. A
 * first choice that finished with `error` is the generation's failure, as stored content shows
 * it. The provider key is cut out of the `error` of every choice that finished with `error` (a
 * legacy completion has one choice per prompt), since the client is sent the choices as they are.
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
  const { choices } = completion;
  const first = choices[0];
  const finishReason = first?.finish_reason ?? null;
  const nativeFinishReason = first?.native_finish_reason ?? null;
  const { settings } = endpoint.provider;
  // The first choice's error is cut below, with the failure it makes; the others' here.
  for (let position = 1; position < choices.length; position += 1) {
    const choice = choices[position] as (typeof choices)[number];
    if (choice.finish_reason === 'error') redactChoiceError(choice, settings);
  }
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
            redactChoiceError(first, settings),
            nativeFinishReason,
            endpoint.provider.name,
          )
        : undefined,
  };
}
