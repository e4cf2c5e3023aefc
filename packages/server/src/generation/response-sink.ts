import type { CancelSignal } from '../providers/cancel-signal.js';

/**
 * Where the pipeline writes a generation's response: one JSON body, or an SSE stream. The pipeline
 * knows nothing of the HTTP framework serving it; the HTTP layer adapts its reply to this (see
 * http/reply-sink.ts). Errors raised before anything was written are thrown to the caller, which
 * answers them in OpenRouter's envelope.
 */
export interface ResponseSink {
  /** Aborted when the client goes away before the response is complete. */
  readonly gone: CancelSignal;
  /** The generation id, exposed before any byte of the body (`x-generation-id`). */
  exposeId(id: string): void;
  /** Sends a complete JSON body with status 200. */
  json(body: string): void;
  /** Starts an SSE stream with status 200. */
  openStream(): void;
  /**
   * Writes one SSE event (`data: …`): true when written, false when the client is gone, and a
   * promise of the same only when the socket's buffer is full (wait for it before reading more).
   */
  event(data: string): boolean | Promise<boolean>;
  /** Ends the stream after `final`, written as it is (e.g. `data: [DONE]\n\n`). */
  end(final?: string): void;
  /** Cuts the connection: the client is gone, nothing more will be read. */
  destroy(): void;
  /** Whether the connection is already destroyed. */
  readonly destroyed: boolean;
}
