import type { ChatChunkChoice } from '@tollgate/protocol';
import type { FastifyReply } from 'fastify';
import type { GatewayContext } from '../gateway-context.js';
import type { GenerationMeter } from '../ledger/generation-meter.js';
import type { UpstreamCall } from '../providers/provider-adapter.js';
import type { Candidate, RoutePlan } from '../routing/select-candidates.js';
import { dispatchChat } from './chat-completions.js';
import { type StreamCodec, streamGeneration } from './stream-generation.js';

/** The completion text of a chat delta: content, reasoning and tool calls. */
function deltaText(choice: ChatChunkChoice): string {
  const delta = choice.delta as { content?: unknown; reasoning?: unknown; tool_calls?: unknown };
  let text = '';
  if (typeof delta.content === 'string') text += delta.content;
  if (typeof delta.reasoning === 'string') text += delta.reasoning;
  if (delta.tool_calls !== undefined) text += JSON.stringify(delta.tool_calls);
  return text;
}

/** How a chat stream is read upstream and written out. */
const CHAT_STREAM: StreamCodec<ChatChunkChoice> = {
  object: 'chat.completion.chunk',
  createParser: (endpoint) =>
    endpoint.provider.adapter.createStreamParser(endpoint.provider.settings),
  textOf: deltaText,
  splitOf: (choice) => {
    const delta = choice.delta as { content?: unknown; reasoning?: unknown; tool_calls?: unknown };
    let output = typeof delta.content === 'string' ? delta.content : '';
    if (delta.tool_calls !== undefined) output += JSON.stringify(delta.tool_calls);
    return { output, reasoning: typeof delta.reasoning === 'string' ? delta.reasoning : '' };
  },
  errorChoice: { index: 0, delta: { content: '' }, finish_reason: 'error' },
};

/**
 * Streams a chat completion (see {@link streamGeneration}): chunks as they come, one usage chunk,
 * the record committed, only then `data: [DONE]`.
 */
export function streamChatCompletion(
  context: GatewayContext,
  meter: GenerationMeter,
  plan: RoutePlan,
  callOf: (candidate: Candidate) => UpstreamCall,
  reply: FastifyReply,
): Promise<void> {
  return streamGeneration(context, meter, reply, CHAT_STREAM, (signal) =>
    dispatchChat(context, meter, plan, callOf, signal),
  );
}
