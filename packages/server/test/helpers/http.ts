import { hashKey } from '../../src/accounts/api-keys.js';
import type { RunningGateway } from '../../src/start-gateway.js';
import type { GenerationRow } from '../../src/storage/storage.js';

/** POSTs a JSON body to `<apiUrl><path>` with a bearer key. */
export function postJson(
  apiUrl: string,
  path: string,
  key: string | null,
  body: unknown,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<Response> {
  return fetch(`${apiUrl}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(key === null ? {} : { authorization: `Bearer ${key}` }),
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...(signal === undefined ? {} : { signal }),
  });
}

/** Creates an API key through `POST /keys` (201 asserted); resolves with the new key. */
export async function createKey(
  apiUrl: string,
  managementKey: string,
  body: object,
): Promise<string> {
  const response = await postJson(apiUrl, '/keys', managementKey, body);
  if (response.status !== 201) {
    throw new Error(`POST /keys answered ${response.status}: ${await response.text()}`);
  }
  return ((await response.json()) as { key: string }).key;
}

/**
 * `PATCH` (with `body`) or `DELETE` of the API key `key` at `/keys/:hash` with a management key;
 * the answer's status.
 */
export async function manageKey(
  apiUrl: string,
  managementKey: string,
  method: 'PATCH' | 'DELETE',
  key: string,
  body?: object,
): Promise<number> {
  const response = await fetch(`${apiUrl}/keys/${hashKey(key)}`, {
    method,
    headers: { authorization: `Bearer ${managementKey}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  await response.text();
  return response.status;
}

/** `GET /generation?id=` with a bearer key. */
export function getGeneration(apiUrl: string, key: string, id: string): Promise<Response> {
  return fetch(`${apiUrl}/generation?id=${encodeURIComponent(id)}`, {
    headers: { authorization: `Bearer ${key}` },
  });
}

/** The SSE stream of a response, split into its `data:` payloads. */
export interface SseRead {
  /** Every `data:` payload in order, `[DONE]` included as the string. */
  data: string[];
  /** Payloads parsed as JSON (the `[DONE]` marker left out). */
  chunks: Array<Record<string, unknown>>;
  /** Whether the last payload was `[DONE]`. */
  done: boolean;
  text: string;
}

/** Reads a whole SSE response body. */
export async function readSse(response: Response): Promise<SseRead> {
  const text = await response.text();
  const data: string[] = [];
  for (const block of text.split('\n\n')) {
    const lines = block.split('\n').filter((line) => line.startsWith('data:'));
    if (lines.length === 0) continue;
    data.push(lines.map((line) => line.slice(5).trimStart()).join('\n'));
  }
  const chunks = data
    .filter((payload) => payload !== '[DONE]')
    .map((payload) => JSON.parse(payload) as Record<string, unknown>);
  return { data, chunks, done: data.at(-1) === '[DONE]', text };
}

/** Resolves with the next committed record matching `predicate` (no polling, no timers). */
export function nextCommit(
  gateway: RunningGateway,
  predicate: (row: GenerationRow) => boolean = () => true,
): Promise<GenerationRow> {
  return new Promise((resolve) => {
    const unsubscribe = gateway.context.ledger.onCommitted((row) => {
      if (!predicate(row)) return;
      unsubscribe();
      resolve(row);
    });
  });
}

/**
 * Opens a streaming chat request over a raw node:http connection and resolves once `marker`
 * has arrived; `abandon()` then destroys the socket, as a client that crashes or hangs up.
 */
export async function openStreamUntil(
  apiUrl: string,
  key: string,
  body: unknown,
  marker: string,
): Promise<{ generationId: string; received: string; abandon(): void }> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const outgoing = request(`${apiUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    });
    outgoing.on('error', reject);
    outgoing.on('response', (incoming) => {
      let received = '';
      const onData = (chunk: Buffer) => {
        received += chunk.toString('utf8');
        if (!received.includes(marker)) return;
        incoming.off('data', onData);
        resolve({
          generationId: String(incoming.headers['x-generation-id']),
          received,
          abandon: () => outgoing.destroy(),
        });
      };
      incoming.on('data', onData);
    });
    outgoing.end(JSON.stringify(body));
  });
}
