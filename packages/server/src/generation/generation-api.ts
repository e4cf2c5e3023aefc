import type { CostShape } from '../accounts/max-cost.js';
import type { GenerationOutcome, MeterInit } from '../ledger/generation-meter.js';
import type { FinishedGeneration } from '../ledger/generation-record.js';
import type { UpstreamCall } from '../providers/provider-adapter.js';
import type { CatalogModel, ModelEndpoint } from '../routing/model-catalog.js';
import type { Candidate, RoutableRequest } from '../routing/select-candidates.js';
import type { StreamCodec, StreamedChoice } from './stream-relay.js';

/** Prompt media counts; chat messages only ever have any. */
type MediaFields = 'numMediaPrompt' | 'numPromptImages' | 'numInputAudioPrompt';

/** What the meter learns of a generation from its request body. */
export type MeterFields = Pick<MeterInit, 'model' | 'streamed' | 'apiType' | 'externalUser'> &
  Partial<Pick<MeterInit, 'messages' | 'plainPrompt' | MediaFields>> & {
    /** The body's `session_id`, which wins over the `x-session-id` header. */
    sessionId: string | undefined;
  };

/** The response's identity: what every body (and every chunk) of a generation starts with. */
export interface Served {
  id: string;
  /** Unix seconds. */
  created: number;
  /** Slug of the model that served. */
  model: string;
  provider: string;
}

/** How a generation ended, as a non-stream upstream body tells it. */
export type ReadOutcome = Omit<GenerationOutcome, 'model' | 'endpoint' | 'cancelled'>;

/** A non-stream upstream body, read: the outcome to record, and the response once recorded. */
export interface ReadResponse {
  outcome: ReadOutcome;
  /** The client's JSON body, built once the record is committed (its `usage` is the record's). */
  respond(served: Served, finished: FinishedGeneration): unknown;
}

/**
 * One metered API (chat, legacy completions, embeddings) as the pipeline sees it: how a body is
 * metered, bounded, sent to a candidate and read back. Everything else — admit, hold, dispatch
 * with fallbacks, finish, commit, settle, the stream relay — is the pipeline's, the same for all.
 */
export interface GenerationApi<
  Body extends RoutableRequest,
  Choice extends StreamedChoice = StreamedChoice,
> {
  /** Only endpoints (of models) for which this holds may serve (all when absent). */
  serves?(endpoint: ModelEndpoint, model: CatalogModel): boolean;
  /** What the meter knows of the generation from the body. */
  meterFields(body: Body): MeterFields;
  /** What bounds the cost besides the upstream body (the spend hold). */
  costShape(body: Body): CostShape;
  /** The adapter's upstream call for `body` at a candidate (it may throw a 400). */
  buildCall(body: Body, candidate: Candidate): UpstreamCall;
  /** How the API streams, when the body asks for a stream; null: the answer is one JSON body. */
  streamOf(body: Body): StreamCodec<Choice> | null;
  /**
   * Reads a non-stream upstream JSON body served by `candidate`; a throw (an invalid upstream
   * response) is recorded as the generation's failure. `storesContent`: the output is kept.
   */
  read(json: unknown, candidate: Candidate, body: Body, storesContent: boolean): ReadResponse;
}
