// The client and fake upstream of event-loop-big-prompt.ts, on their own thread (plain JS: worker
// threads on Node 20 do not take tsx's --import).
import { createServer } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

const PROMPT_BYTES = 1_000_000;
const job = workerData;

if (job.upstreamOnly === true) {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          id: 'chatcmpl-bench',
          object: 'chat.completion',
          created: 1,
          model: 'bench-1',
          choices: [
            { index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' },
          ],
          usage: { prompt_tokens: 250_000, completion_tokens: 1, total_tokens: 250_001 },
        }),
      );
    });
  });
  server.listen(0, '127.0.0.1', () => parentPort?.postMessage(server.address().port));
} else {
  const words = 'the quick brown fox jumps over the lazy dog ';
  const content =
    job.kind === 'prose'
      ? words.repeat(Math.ceil(PROMPT_BYTES / words.length)).slice(0, PROMPT_BYTES)
      : 'x'.repeat(PROMPT_BYTES);
  const body = JSON.stringify({ model: 'bench/model', messages: [{ role: 'user', content }] });
  for (let index = 0; index < job.requests; index++) {
    const response = await fetch(`${job.apiUrl}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${job.key}`, 'content-type': 'application/json' },
      body,
    });
    if (response.status !== 200)
      throw new Error(`status ${response.status}: ${await response.text()}`);
    await response.arrayBuffer();
  }
  parentPort?.postMessage('done');
}
