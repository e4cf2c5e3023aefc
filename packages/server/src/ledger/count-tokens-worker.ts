// Worker-thread entry for `count-tokens.ts`: loads gpt-tokenizer (o200k_base) once and answers
// the counts too large to run on the main thread (count-texts.ts does the counting). Only `new Worker(...)` loads this module; importing it on the main thread throws.
import { parentPort, workerData } from 'node:worker_threads';
import { countTexts, warmUpCounting } from './count-texts.js';

/** A count request from the main thread: the texts to count, summed. */
export interface CountRequest {
  id: number;
  texts: string[];
  /** Also reply with each text's count (for the main thread's token-count cache). */
  perText: boolean;
}

/** A message from the worker: startup done, a count, or a count that threw. */
export type CountReply =
  | { kind: 'ready' }
  | { kind: 'result'; id: number; tokens: number; estimated: boolean; perText?: number[] }
  | { kind: 'failure'; id: number; message: string };

/** The `workerData` the main thread starts the worker with. */
export interface CountWorkerData {
  maxChars: number;
}

const port = parentPort;
if (port === null) {
  throw new Error('count-tokens-worker.ts must be started as a worker thread');
}
const maxChars = readMaxChars(workerData);

// Requests arrive in batches (one message per event-loop turn of the main thread) and are
// answered in one message: postMessage's fixed cost dominates small counts.
port.on('message', (batch: CountRequest[]) => {
  const replies = batch.map((request): CountReply => {
    try {
      if (!request.perText) {
        return { kind: 'result', id: request.id, ...countTexts(request.texts, maxChars) };
      }
      const perText: number[] = [];
      const count = countTexts(request.texts, maxChars, perText);
      return { kind: 'result', id: request.id, ...count, perText };
    } catch (error) {
      return { kind: 'failure', id: request.id, message: String(error) };
    }
  });
  port.postMessage(replies);
});

// Warm before announcing readiness, so no count pays the first-call costs.
warmUpCounting();
port.postMessage({ kind: 'ready' } satisfies CountReply);

function readMaxChars(data: unknown): number {
  const value = (data as Partial<CountWorkerData> | null)?.maxChars;
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw new Error(`count-tokens-worker needs workerData.maxChars >= 0, got ${String(value)}`);
  }
  return value;
}
