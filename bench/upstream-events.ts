/**
 * The fake upstream's stream (bench/fake-upstream.ts) as SSE events, one buffer each: a role
 * chunk, `chunks` content chunks, a finish chunk, a usage chunk and `[DONE]`. With `obfuscation`,
 * every chunk carries a field that changes from chunk to chunk (as OpenAI's `obfuscation`).
 */
export function upstreamEvents(chunks: number, obfuscation = false): Buffer[] {
  const usage = {
    prompt_tokens: 48,
    completion_tokens: chunks,
    total_tokens: 48 + chunks,
    prompt_tokens_details: { cached_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0 },
  };
  let sequence = 0;
  const chunk = (choices: unknown[], chunkUsage: unknown) =>
    JSON.stringify({
      id: 'chatcmpl-bench-stream',
      object: 'chat.completion.chunk',
      created: 1765090000,
      model: 'gpt-4o-mini',
      system_fingerprint: 'fp_bench',
      choices,
      usage: chunkUsage,
      ...(obfuscation ? { obfuscation: (sequence++ * 7919).toString(36) } : {}),
    });
  const delta = (value: Record<string, string>, finishReason: string | null) => [
    { index: 0, delta: value, logprobs: null, finish_reason: finishReason },
  ];
  const payloads = [chunk(delta({ role: 'assistant', content: '' }, null), null)];
  for (let index = 0; index < chunks; index += 1) {
    payloads.push(chunk(delta({ content: ` word${index}` }, null), null));
  }
  payloads.push(chunk(delta({}, 'stop'), null), chunk([], usage), '[DONE]');
  return payloads.map((payload) => Buffer.from(`data: ${payload}\n\n`));
}
