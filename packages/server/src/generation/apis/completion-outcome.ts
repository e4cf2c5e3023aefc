import type { UpstreamCompletion } from '../../providers/provider-adapter.js';
import type { ReadOutcome } from '../generation-api.js';

/**
 * What a non-stream completion (chat or legacy text) tells the record: the upstream id, the first
 * choice's finish reasons, usage and service tier, with the completion text the route read.
 */
export function completionOutcome(
  completion: UpstreamCompletion<{
    finish_reason: string | null;
    native_finish_reason?: string | null | undefined;
  }>,
  completionText: string,
  output?: ReadOutcome['output'],
): ReadOutcome {
  const first = completion.choices[0];
  return {
    upstreamId: completion.upstreamId,
    finishReason: first?.finish_reason ?? null,
    nativeFinishReason: first?.native_finish_reason ?? null,
    usage: completion.usage,
    completionText,
    output,
    serviceTier: completion.serviceTier,
  };
}
