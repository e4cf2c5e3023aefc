import { request } from 'node:http';

/** What a raw client read of one HTTP response, however the connection ended. */
export interface ClientOutcome {
  status: number;
  /** `X-Generation-Id` of the response. */
  headerId: string | null;
  body: string;
  /** Every `id` of the JSON body or of the SSE chunks received. */
  bodyIds: string[];
  /** Whether the body ended normally (no reset, no early close). */
  complete: boolean;
  /** A stream that ended with `data: [DONE]`. */
  done: boolean;
  /** The connection error, if the connection failed or was reset. */
  error: NodeJS.ErrnoException | null;
}

/** A request in progress over its own connection (no pooling, so a reset hits only it). */
export interface ClientRequest {
  /** Resolves once the body received so far contains `marker` (never, if it never does). */
  received(marker: string): Promise<void>;
  /** Resolves when the response ends, fails or is reset; never rejects. */
  outcome: Promise<ClientOutcome>;
}

function idsOf(body: string, streamed: boolean): string[] {
  const payloads = streamed
    ? body
        .split('\n\n')
        .map((block) => block.replace(/^data: ?/, ''))
        .filter((payload) => payload.startsWith('{'))
    : [body];
  const ids: string[] = [];
  for (const payload of payloads) {
    try {
      const parsed = JSON.parse(payload) as { id?: unknown };
      if (typeof parsed.id === 'string') ids.push(parsed.id);
    } catch {
      // A payload cut by a reset: whatever id it carried was not received whole.
    }
  }
  return ids;
}

/** POSTs `body` to `<apiUrl><path>` on a fresh connection and follows the response. */
export function startClientRequest(
  apiUrl: string,
  path: string,
  key: string,
  body: unknown,
): ClientRequest {
  let received = '';
  const watchers: Array<{ marker: string; resolve: () => void }> = [];
  const streamed = (body as { stream?: unknown }).stream === true;
  const outcome = new Promise<ClientOutcome>((resolve) => {
    let status = 0;
    let headerId: string | null = null;
    let complete = false;
    const finish = (error: NodeJS.ErrnoException | null) =>
      resolve({
        status,
        headerId,
        body: received,
        bodyIds: idsOf(received, streamed),
        complete: complete && error === null,
        done: received.trimEnd().endsWith('data: [DONE]'),
        error,
      });
    const outgoing = request(`${apiUrl}${path}`, {
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    });
    outgoing.on('error', (error) => finish(error));
    outgoing.on('response', (incoming) => {
      status = incoming.statusCode ?? 0;
      const header = incoming.headers['x-generation-id'];
      headerId = typeof header === 'string' ? header : null;
      incoming.on('data', (chunk: Buffer) => {
        received += chunk.toString('utf8');
        for (const watcher of [...watchers]) {
          if (!received.includes(watcher.marker)) continue;
          watchers.splice(watchers.indexOf(watcher), 1);
          watcher.resolve();
        }
      });
      incoming.on('end', () => {
        complete = true;
      });
      incoming.on('error', (error) => finish(error));
      incoming.on('close', () =>
        finish(complete ? null : new Error('connection closed before the body ended')),
      );
    });
    outgoing.end(JSON.stringify(body));
  });
  return {
    received: (marker) =>
      received.includes(marker)
        ? Promise.resolve()
        : new Promise<void>((resolve) => watchers.push({ marker, resolve })),
    outcome,
  };
}
