import type { Logger } from 'pino';
import { GatewayError } from '../errors/gateway-error.js';
import { toStreamError } from '../errors/to-error-response.js';
import type { GenerationMeter } from '../ledger/generation-meter.js';
import type { FinishedGeneration } from '../ledger/generation-record.js';
import type { InflightJournal, PendingFacts } from '../ledger/inflight-journal.js';
import { finishReasonFailure } from '../ledger/to-content-error.js';
import { CancelSignal } from '../providers/cancel-signal.js';
import type {
  AdapterSettings,
  NativeUsage,
  StreamParser,
  UpstreamChunk,
} from '../providers/provider-adapter.js';
import { redactChoiceError, redactUpstreamError } from '../providers/redact-provider-key.js';
import { toTransportError } from '../providers/to-transport-error.js';
import type { EndpointStats } from '../routing/endpoint-stats.js';
import type { ModelEndpoint } from '../routing/model-catalog.js';
import type { Candidate } from '../routing/select-candidates.js';
import { type ChunkWriter, createChunkWriter } from '../streaming/chunk-writer.js';
import { createSseDataSplitter } from '../streaming/sse.js';
import { type Dispatched, recordFailure } from './dispatch.js';
import { recordServed } from './record-served.js';
import type { ResponseSink } from './response-sink.js';

/** What relaying a stream needs besides the meter and the sink. */
export interface StreamRelayDeps {
  journal: InflightJournal;
  endpointStats: EndpointStats;
  logger: Logger;
}

/** What the meter reads of a stream chunk's choice, whatever the API. */
export interface StreamedChoice {
  finish_reason: string | null;
  native_finish_reason?: string | null | undefined;
  /** OpenRouter's `choices[].error`, on a choice that finished with `error`. */
  error?: unknown;
}

/** How one API's stream (chat, legacy text completions) is read upstream and written out. */
export interface StreamCodec<Choice extends StreamedChoice> {
  /** `object` of every chunk sent to the client. */
  object: string;
  /** A parser for one upstream stream of this API. */
  createParser(endpoint: ModelEndpoint): StreamParser<Choice>;
  /** The completion text a choice carries (`''` when it carries none). */
  textOf(choice: Choice): string;
  /**
   * Stored content only: the output without reasoning, and the reasoning (absent: all of
   * {@link textOf} is output).
   */
  splitOf?(choice: Choice): { output: string; reasoning: string };
  /** The choice of the error chunk that ends a stream failed midway. */
  errorChoice: Record<string, unknown>;
}

/** What the stream has produced so far. */
interface StreamState {
  text: string;
  /** Tracked only when the generation's content is stored. */
  stored: { completion: string; reasoning: string | null } | null;
  /** UTF-8 bytes of completion text written to the client (checkpointed in the journal). */
  relayedBytes: number;
  upstreamId: string | null;
  finishReason: string | null;
  nativeFinishReason: string | null;
  usage: NativeUsage | null;
  serviceTier: string | null;
  systemFingerprint: string | null;
  /** The `error` of the choice that finished last, when it finished with `error` (else null). */
  finishError: unknown;
  /** The serving provider's settings: its key is cut out of a choice's `error`. */
  settings: AdapterSettings;
}

/** Absorbs a chunk into the state; returns the UTF-8 bytes of completion text it carries. */
function absorb<Choice extends StreamedChoice>(
  state: StreamState,
  chunk: UpstreamChunk<Choice>,
  codec: StreamCodec<Choice>,
): number {
  let produced = 0;
  state.upstreamId ??= chunk.upstreamId;
  state.serviceTier = chunk.serviceTier ?? state.serviceTier;
  state.systemFingerprint = chunk.systemFingerprint ?? state.systemFingerprint;
  if (chunk.usage !== null) state.usage = chunk.usage;
  for (const choice of chunk.choices) {
    const text = codec.textOf(choice);
    if (state.stored !== null) {
      const split = codec.splitOf?.(choice) ?? { output: text, reasoning: '' };
      state.stored.completion += split.output;
      if (split.reasoning !== '') {
        state.stored.reasoning = (state.stored.reasoning ?? '') + split.reasoning;
      }
    }
    if (text !== '') {
      state.text += text;
      produced += Buffer.byteLength(text);
    }
    if (choice.finish_reason !== null) {
      state.finishReason = choice.finish_reason;
      state.nativeFinishReason = choice.native_finish_reason ?? null;
      // Before the chunk is written: the client is sent the choice's error without the key.
      state.finishError =
        choice.finish_reason === 'error' ? redactChoiceError(choice, state.settings) : null;
    }
  }
  return produced;
}

/** Where a relayed stream reports what it has relayed (the journal's checkpoints). */
type OnRelayed = (totalBytes: number) => void;

async function pump<Choice extends StreamedChoice>(
  chunks: AsyncIterator<Uint8Array>,
  parse: StreamParser<Choice>,
  sink: ResponseSink,
  meter: GenerationMeter,
  writer: ChunkWriter,
  state: StreamState,
  codec: StreamCodec<Choice>,
  abortUpstream: () => void,
  onRelayed: OnRelayed,
): Promise<void> {
  const splitter = createSseDataSplitter();
  /**
   * Relays every event of one upstream piece in one synchronous loop: true to read on, false once
   * the stream must stop reading, and a promise of the same only when the socket's buffer is full
   * (waited for once per piece, so at most one piece is buffered beyond its high-water mark).
   */
  const relayAll = (events: readonly string[]): boolean | Promise<boolean> => {
    let full: Promise<boolean> | null = null;
    for (let position = 0; position < events.length; position += 1) {
      const event = parse(events[position] as string);
      if (event === 'done') return false;
      if (event === 'skip') continue;
      const produced = absorb(state, event, codec);
      if (produced > 0) meter.firstToken();
      if (event.choices.length === 0) continue;
      const written = sink.event(writer.choices(event.choices, state.systemFingerprint));
      if (written === false) {
        // The client is gone. Abort before leaving the loop: leaving first would end the body
        // normally, and undici would then keep draining the stalled upstream to reuse its socket.
        abortUpstream();
        return false;
      }
      if (produced > 0) {
        state.relayedBytes += produced;
        onRelayed(state.relayedBytes);
      }
      if (written !== true) full = written;
    }
    if (full === null) return true;
    return full.then((drained) => {
      if (!drained) abortUpstream();
      return drained;
    });
  };
  // Not `for await`: leaving that loop at the end marker would destroy the body, which aborts the
  // upstream request and closes its keep-alive socket (and builds an AbortError, stack included,
  // per stream). The caller reads what follows the marker through the same iterator.
  for (;;) {
    const next = await chunks.next();
    if (next.done === true) break;
    const more = relayAll(splitter.feed(next.value));
    if (more === false || (more !== true && !(await more))) return;
  }
  // An event the body ended without terminating (no blank line after it).
  const more = relayAll(splitter.end());
  if (more === false || (more !== true && !(await more))) return;
  // The body closed with no end marker while no choice had finished: the upstream cut the stream
  // short (a clean close mid-generation), which must not pass for a complete answer.
  if (state.finishReason === null) {
    throw new GatewayError(
      'upstream_error',
      'Upstream stream ended before the generation finished (no finish_reason, no end marker)',
    );
  }
}

/** Reads (and drops) what an upstream body sends after its end marker, up to `limit` bytes. */
async function readPastEnd(chunks: AsyncIterator<Uint8Array>, limit: number): Promise<void> {
  let bytes = 0;
  for (;;) {
    const next = await chunks.next();
    if (next.done === true) return;
    bytes += next.value.byteLength;
    if (bytes > limit) {
      await chunks.return?.();
      return;
    }
  }
}

/** What billing and recovery read of journaled facts: a change must be re-journaled at once. */
function sameBilling(journaled: PendingFacts, current: PendingFacts): boolean {
  return (
    journaled.model === current.model &&
    journaled.providerName === current.providerName &&
    journaled.prices === current.prices &&
    journaled.priceVersion === current.priceVersion &&
    journaled.byokFeePpm === current.byokFeePpm &&
    journaled.chargeCap === current.chargeCap &&
    journaled.normalizedPromptTokens === current.normalizedPromptTokens
  );
}

/**
 * Starts journaling the generation as served by the plan's first candidate, its attempt in flight
 * (status null), while that candidate is called: the write overlaps the upstream request. The
 * meter's commit waits for it to settle (GenerationMeter.journaling).
 */
function journalFirst(
  deps: StreamRelayDeps,
  meter: GenerationMeter,
  first: Candidate,
): Promise<PendingFacts> {
  const write = meter.pendingAttempt(first).then(async (facts) => {
    await deps.journal.open(facts);
    return facts;
  });
  meter.journaling(write);
  return write;
}

/**
 * Makes the journal row true of the candidate that answered before its id leaves in the stream's
 * headers, so that from then on a crash still leaves its record (ledger/inflight-journal.ts): the
 * row written during dispatch is awaited, and when another candidate answered (a fallback) or its
 * billing facts differ, the row's facts are replaced and that write awaited too. A journal that
 * cannot be written fails the request before any byte is sent: the upstream is aborted and the
 * failure recorded.
 */
async function journalBeforeExposing(
  deps: StreamRelayDeps,
  meter: GenerationMeter,
  journaling: { first: Candidate; facts: Promise<PendingFacts> },
  { response, candidate }: Dispatched,
  abortUpstream: () => void,
): Promise<void> {
  try {
    const journaled = await journaling.facts;
    const current = await meter.pending(candidate.model.id, candidate.endpoint);
    if (candidate === journaling.first && sameBilling(journaled, current)) {
      // Only the in-flight attempt's status and latency are new: written with the next checkpoint.
      deps.journal.refresh(current);
      return;
    }
    const rewrite = deps.journal.rewrite(current);
    meter.journaling(rewrite);
    await rewrite;
  } catch (error) {
    abortUpstream();
    response.body.destroy();
    deps.logger.error({ err: error, generationId: meter.id }, 'in-flight journal write failed');
    await recordFailure(meter, candidate, error, false);
  }
}

/**
 * Streams a generation: the generation is journaled — during dispatch, for the first candidate —
 * and the row is durable, true of the candidate that answered, before its id is sent (headers,
 * first chunk); upstream chunks are rewritten to OpenRouter's shape as they come; then one usage
 * chunk; the record is committed (its journal row deleted in the same transaction); only then
 * `data: [DONE]`. A client that goes away aborts the upstream at once and leaves a `cancelled`
 * record billed for what was produced.
 */
export async function relayStream<Choice extends StreamedChoice>(
  deps: StreamRelayDeps,
  meter: GenerationMeter,
  sink: ResponseSink,
  codec: StreamCodec<Choice>,
  first: Candidate,
  dispatch: (signal: CancelSignal) => Promise<Dispatched>,
): Promise<void> {
  // One signal for the upstream request: the client leaving aborts it, and so does the relay
  // when it stops reading (client gone mid-write, upstream failure).
  const upstream = new CancelSignal();
  const abortUpstream = () => upstream.abort();
  if (sink.gone.aborted) upstream.abort();
  else sink.gone.once('abort', abortUpstream);
  const journaling = { first, facts: journalFirst(deps, meter, first) };
  try {
    const dispatched = await dispatch(upstream);
    await journalBeforeExposing(deps, meter, journaling, dispatched, abortUpstream);
    await relay(deps, meter, sink, codec, dispatched, upstream);
  } finally {
    // Settled already on every path through a record's commit; on one that threw before it, the
    // journal must not take the row as open after the handler is done with it.
    await journaling.facts.catch(() => undefined);
    deps.journal.done(meter.id);
    sink.gone.off('abort', abortUpstream);
  }
}

/** Relays a dispatched, journaled stream to the client and commits its record. */
async function relay<Choice extends StreamedChoice>(
  deps: StreamRelayDeps,
  meter: GenerationMeter,
  sink: ResponseSink,
  codec: StreamCodec<Choice>,
  { response, candidate }: Dispatched,
  upstream: CancelSignal,
): Promise<void> {
  const { endpoint } = candidate;
  sink.openStream();
  const state: StreamState = {
    text: '',
    stored: meter.storesContent ? { completion: '', reasoning: null } : null,
    relayedBytes: 0,
    upstreamId: null,
    finishReason: null,
    nativeFinishReason: null,
    usage: null,
    serviceTier: null,
    systemFingerprint: null,
    finishError: null,
    settings: endpoint.provider.settings,
  };
  // The envelope (id, provider, model, object, created) is serialized once for the stream.
  const writer = createChunkWriter({
    id: meter.id,
    provider: endpoint.provider.name,
    model: candidate.model.id,
    object: codec.object,
    created: meter.created,
  });
  const parse = codec.createParser(endpoint);
  let failure: unknown = null;
  const chunks = response.body[Symbol.asyncIterator]();
  try {
    const onRelayed = (totalBytes: number) => deps.journal.relayed(meter.id, totalBytes);
    const abortUpstream = () => upstream.abort();
    await pump(chunks, parse, sink, meter, writer, state, codec, abortUpstream, onRelayed);
  } catch (error) {
    // An upstream error event goes to the client and into stored content: the provider key is
    // cut out of it, as out of an HTTP error body (dispatch.ts).
    failure = GatewayError.is(error)
      ? redactUpstreamError(error, endpoint.provider.settings)
      : toTransportError(error, endpoint.provider.name);
  }
  const cancelled = upstream.aborted || sink.destroyed;
  // Abort the upstream request (which closes its socket): a stalled upstream must not go on
  // generating, nor its socket stay open, for nothing.
  if (cancelled || failure !== null) {
    upstream.abort();
    response.body.destroy();
  } else {
    // After the end marker the upstream closes its body; reading that end (a few bytes at most)
    // keeps the keep-alive socket reusable, where destroying an unfinished body would cost a new
    // connection per stream. A body that goes on past the marker is cut after 64 KiB.
    void readPastEnd(chunks, 64 * 1024).catch(() => undefined);
  }
  // Usage an upstream reports before its stream finishes is a running count (Gemini's comes with
  // every chunk; some send one on the first chunk, completion 0): a stream cut before it finished
  // is billed from the text relayed instead, never from a count that missed it.
  const usage = state.finishReason === null ? null : state.usage;
  // The error the client is about to see in the stream's error chunk (stored content only).
  const failed = failure !== null && !cancelled;
  if (failed) state.finishReason = 'error';
  let finished: FinishedGeneration | null = null;
  try {
    finished = await meter.finish({
      model: candidate.model.id,
      endpoint,
      upstreamId: state.upstreamId,
      finishReason: state.finishReason,
      nativeFinishReason: state.nativeFinishReason,
      usage,
      completionText: state.text,
      output: state.stored ?? undefined,
      cancelled,
      serviceTier: state.serviceTier,
      failure: failed
        ? { error: failure, providerName: endpoint.provider.name }
        : !cancelled && state.finishReason === 'error'
          ? finishReasonFailure(state.finishError, state.nativeFinishReason, endpoint.provider.name)
          : undefined,
    });
  } catch (error) {
    deps.logger.error({ err: error, generationId: meter.id }, 'generation commit failed');
    failure = error;
  }
  if (finished !== null && failure === null) recordServed(deps.endpointStats, candidate, finished);
  if (cancelled) {
    sink.destroy();
    return;
  }
  const fingerprint = state.systemFingerprint;
  if (failure !== null || finished === null) {
    await sink.event(writer.error(toStreamError(failure), codec.errorChoice, fingerprint));
    sink.end();
    return;
  }
  await sink.event(writer.usage(finished.usage, fingerprint));
  sink.end('data: [DONE]\n\n');
}
