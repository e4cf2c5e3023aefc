import type { Logger } from 'pino';
import type { SpendControl } from '../accounts/spend-guard.js';
import { UpstreamError } from '../errors/gateway-error.js';
import { toGatewayError } from '../errors/to-error-response.js';
import { GenerationMeter } from '../ledger/generation-meter.js';
import type { InflightJournal } from '../ledger/inflight-journal.js';
import type { Ledger } from '../ledger/ledger.js';
import type { CancelSignal } from '../providers/cancel-signal.js';
import { redactUpstreamError } from '../providers/redact-provider-key.js';
import { toTransportError } from '../providers/to-transport-error.js';
import type { EndpointStats } from '../routing/endpoint-stats.js';
import type { ModelCatalog } from '../routing/model-catalog.js';
import {
  type Candidate,
  type RoutableRequest,
  type RoutePlan,
  selectCandidates,
} from '../routing/select-candidates.js';
import type { ApiKeyRow } from '../storage/storage.js';
import { clientGone, type Dispatched, dispatchWithFallback, recordFailure } from './dispatch.js';
import type { GenerationApi, ReadResponse } from './generation-api.js';
import { type HeldRequest, holdSpend } from './hold-spend.js';
import { recordServed } from './record-served.js';
import type { ResponseSink } from './response-sink.js';
import { relayStream, type StreamedChoice } from './stream-relay.js';

/** What the pipeline runs on; the gateway's context provides all of it. */
export interface PipelineDeps {
  catalog: ModelCatalog;
  endpointStats: EndpointStats;
  spendGuard: SpendControl;
  ledger: Ledger;
  /** Journals generations whose id is exposed before their record is committed (streams). */
  journal: InflightJournal;
  logger: Logger;
  /** Region recorded as `data_region`. */
  dataRegion: string;
  /** Store prompts and completions with records unless a key says otherwise. */
  storeContent: boolean;
  /** Wall clock (ms since epoch). */
  now: () => number;
}

/** An authenticated caller's validated request, with the HTTP facts the record keeps. */
export interface GenerationRequest<Body> {
  key: ApiKeyRow;
  body: Body;
  /** `HTTP-Referer` (app attribution), or null. */
  httpReferer: string | null;
  userAgent: string | null;
  /** The `x-session-id` header (the body's `session_id` wins), or null. */
  sessionId: string | null;
}

/**
 * The metered generation pipeline, framework-free: every metered API runs the same stages, in
 * order — admit (plan the candidates), hold (reserve the worst case), meter (ids, clock, prompt
 * count), dispatch (with fallbacks), finish (build the record), commit and settle (the ledger,
 * then the spend guard) — and writes its answer to a {@link ResponseSink}. A stream is journaled
 * before its id leaves and relayed chunk by chunk (stream-relay.ts). Routing only plans; every
 * record is written here, through the meter.
 */
export class GenerationPipeline {
  readonly #deps: PipelineDeps;

  constructor(deps: PipelineDeps) {
    this.#deps = deps;
  }

  /**
   * Runs one generation. Rejects — with a GatewayError, in OpenRouter's envelope terms — only
   * before anything was written to the sink; a generation that got an id is recorded whatever
   * happens.
   */
  async run<Body extends RoutableRequest, Choice extends StreamedChoice>(
    api: GenerationApi<Body, Choice>,
    request: GenerationRequest<Body>,
    sink: ResponseSink,
  ): Promise<void> {
    try {
      const plan = this.#admit(api, request);
      const held = await holdSpend(this.#deps.spendGuard, request.key, plan, request.body, api);
      const meter = this.#meter(api, request, held);
      sink.exposeId(meter.id);
      const codec = api.streamOf(request.body);
      if (codec !== null) {
        const first = plan.candidates[0] as Candidate;
        await relayStream(this.#deps, meter, sink, codec, first, (signal) =>
          this.#dispatch(meter, plan, held, signal),
        );
        return;
      }
      sink.json(await this.#complete(api, request.body, meter, plan, held, sink.gone));
    } catch (error) {
      throw toGatewayError(error);
    }
  }

  /** Admit: the key's usage window is touched and the candidates planned (404 when none). */
  #admit<Body extends RoutableRequest>(
    api: GenerationApi<Body, StreamedChoice>,
    request: GenerationRequest<Body>,
  ): RoutePlan {
    const { catalog, endpointStats, spendGuard } = this.#deps;
    spendGuard.touch(request.key);
    const serves = api.serves?.bind(api);
    return selectCandidates(request.body, catalog, endpointStats, serves, request.key.hash);
  }

  /** Meter: ids, clock, attribution, and the prompt count (which overlaps the upstream call). */
  #meter<Body extends RoutableRequest>(
    api: GenerationApi<Body, StreamedChoice>,
    request: GenerationRequest<Body>,
    held: HeldRequest,
  ): GenerationMeter {
    const { ledger, dataRegion, storeContent, now } = this.#deps;
    const { key } = request;
    const fields = api.meterFields(request.body);
    // Field by field, in MeterInit's order: no rest or spread copies on every request.
    return new GenerationMeter(
      {
        keyHash: key.hash,
        workspaceId: key.workspaceId,
        model: fields.model,
        streamed: fields.streamed,
        apiType: fields.apiType,
        messages: fields.messages ?? [],
        plainPrompt: fields.plainPrompt,
        httpReferer: request.httpReferer,
        userAgent: request.userAgent,
        externalUser: fields.externalUser,
        sessionId: fields.sessionId ?? request.sessionId,
        dataRegion,
        numMediaPrompt: fields.numMediaPrompt ?? 0,
        numPromptImages: fields.numPromptImages ?? 0,
        numInputAudioPrompt: fields.numInputAudioPrompt ?? 0,
        nowMs: now(),
        settlement: held.settlement,
        storeContent: key.storeContent ?? storeContent,
        chargeCap: held.chargeCap,
      },
      ledger,
    );
  }

  /** Dispatch: the held calls along the plan, with fallbacks (dispatch.ts). */
  #dispatch(
    meter: GenerationMeter,
    plan: RoutePlan,
    held: HeldRequest,
    signal: CancelSignal,
  ): Promise<Dispatched> {
    return dispatchWithFallback(meter, plan, held.callOf, signal, this.#deps.endpointStats);
  }

  /** A non-stream generation: dispatch, read, finish (commit, settle); the body to send. */
  async #complete<Body extends RoutableRequest>(
    api: GenerationApi<Body, StreamedChoice>,
    body: Body,
    meter: GenerationMeter,
    plan: RoutePlan,
    held: HeldRequest,
    gone: CancelSignal,
  ): Promise<string> {
    const dispatched = await this.#dispatch(meter, plan, held, gone);
    const { candidate } = dispatched;
    const read = await readUpstream(meter, dispatched, gone, (json) =>
      api.read(json, candidate, body, meter.storesContent),
    );
    const { outcome } = read;
    const finished = await meter.finish({
      model: candidate.model.id,
      endpoint: candidate.endpoint,
      upstreamId: outcome.upstreamId,
      finishReason: outcome.finishReason,
      nativeFinishReason: outcome.nativeFinishReason,
      usage: outcome.usage,
      completionText: outcome.completionText,
      output: outcome.output,
      cancelled: gone.aborted,
      serviceTier: outcome.serviceTier,
      // Finish_reason `error` (stored content only); nobody sees it once the client has left.
      failure: gone.aborted ? undefined : outcome.failure,
    });
    recordServed(this.#deps.endpointStats, candidate, finished);
    const served = {
      id: meter.id,
      created: meter.created,
      model: candidate.model.id,
      provider: candidate.endpoint.provider.name,
    };
    return JSON.stringify(read.respond(served, finished));
  }
}

/**
 * Reads a non-stream upstream body as JSON and translates it with `read` (the API's). A failure —
 * a body that is not JSON or not the expected shape, or the client leaving — is recorded, then
 * thrown.
 */
async function readUpstream(
  meter: GenerationMeter,
  dispatched: Dispatched,
  signal: CancelSignal,
  read: (json: unknown) => ReadResponse,
): Promise<ReadResponse> {
  const { response, candidate } = dispatched;
  const providerName = candidate.endpoint.provider.name;
  try {
    const json: unknown = await response.body.json().catch((error: unknown) => {
      if (signal.aborted) throw error;
      if (!(error instanceof SyntaxError)) throw toTransportError(error, providerName);
      throw new UpstreamError(
        'upstream_error',
        'Provider returned an invalid response: body is not JSON',
        { provider_name: providerName },
        { retryable: true, cause: error },
      );
    });
    meter.firstToken();
    return read(json);
  } catch (error) {
    const cancelled = signal.aborted;
    if (cancelled) return recordFailure(meter, candidate, clientGone(), true);
    // A 200 body that is no completion (an error envelope) is quoted in `metadata.raw`: the
    // provider key is cut out of it, as out of an HTTP error body (dispatch.ts).
    const settings = candidate.endpoint.provider.settings;
    return recordFailure(meter, candidate, redactUpstreamError(error, settings), false);
  }
}
