import { performance } from 'node:perf_hooks';
import type { ProviderResponse } from '@tollgate/protocol';
import type { NativeUsage } from '../providers/provider-adapter.js';
import type { TokenCount } from './count-tokens.js';
import { packContent } from './generation-content.js';
import { type FinishedGeneration, finishGeneration } from './generation-record.js';
import { createGenerationId, createRequestId } from './ids.js';
import type { PendingFacts } from './inflight-journal.js';
import type { Ledger } from './ledger.js';
import type { MeteredEndpoint } from './metered-endpoint.js';
import type { Pico } from './money.js';
import { type FailedAttempt, type ReturnedFailure, toContentError } from './to-content-error.js';

/** What is known about a generation when its request arrives. */
export interface MeterInit {
  keyHash: string;
  workspaceId: string | null;
  model: string;
  streamed: boolean;
  apiType: 'completions' | 'embeddings';
  messages: unknown[];
  /** A prompt that is not chat messages (legacy completions, embeddings). */
  plainPrompt?: PlainPrompt | undefined;
  httpReferer: string | null;
  userAgent: string | null;
  externalUser: string | null;
  sessionId: string | null;
  dataRegion: string;
  numMediaPrompt: number;
  /** Images in the prompt (charged at the endpoint's `image` price). */
  numPromptImages: number;
  numInputAudioPrompt: number;
  nowMs: number;
  /** Credit accounting: settled with the actual cost once the record is durable. */
  settlement: Settlement;
  /** Keep the prompt and output with the record (config `store_content`, per-key override). */
  storeContent: boolean;
  /**
   * The most the key may be charged when `endpoint` serves: the bound its spend hold was computed
   * from, or null when no hold was taken (docs/decisions/0016-spend-bound-from-upstream-bytes.md).
   * A method signature, so a caller's function over its own endpoint type fits: the meter only
   * ever passes back an endpoint that caller handed it (`attempted`, `pending`, `finish`).
   */
  chargeCap(endpoint: MeteredEndpoint): Pico | null;
}

/**
 * A prompt that is not chat messages; `messages` is then ignored. Texts are counted with no chat
 * overhead. Token ids already are tokens — the model's, not the reference tokenizer's — so their
 * number is the normalized count, flagged as estimated.
 */
export type PlainPrompt =
  | { texts: readonly string[] }
  /** `tokenIds` counts them all; `ids` are the request's lists, kept for stored content. */
  | { tokenIds: number; ids: readonly (readonly number[])[] };

/**
 * The stored input of a legacy completion or an embedding: `prompt` is one string, as strict
 * clients read it (`@openrouter/sdk` requires a string); a request of several texts keeps them
 * joined by a newline there, and each of them, exactly, in `prompts` (Tollgate's extension).
 */
function promptContent(texts: readonly string[]): { prompt: string; prompts?: readonly string[] } {
  if (texts.length === 1) return { prompt: texts[0] as string };
  return { prompt: texts.join('\n'), prompts: texts };
}

/** Token ids as the stored prompt string: their JSON, one list or the list of lists sent. */
function tokenIdsContent(ids: readonly (readonly number[])[]): { prompt: string } {
  return { prompt: JSON.stringify(ids.length === 1 ? ids[0] : ids) };
}

function countPromptOf(init: MeterInit, ledger: Ledger): Promise<TokenCount | null> {
  const prompt = init.plainPrompt;
  if (prompt === undefined) return ledger.countPrompt(init.messages, init.keyHash);
  if ('texts' in prompt) return ledger.countTexts(prompt.texts, init.keyHash);
  return Promise.resolve({ tokens: prompt.tokenIds, estimated: true });
}

/** setImmediate's callback: one shared function, the request's facts as arguments. */
function countPromptNow(
  resolve: (count: Promise<TokenCount | null>) => void,
  init: MeterInit,
  ledger: Ledger,
): void {
  resolve(countPromptOf(init, ledger));
}

/** Where a generation's actual cost goes once committed (a reservation, or plain tracking). */
export interface Settlement {
  settle(actual: Pico, createdAtMs: number): void;
  /** The record could not be committed: drop any hold without charging. */
  release(): void;
}

/** How a generation ended. */
export interface GenerationOutcome {
  /** Slug of the model that served (or last tried to). */
  model: string;
  endpoint: MeteredEndpoint;
  upstreamId: string | null;
  finishReason: string | null;
  nativeFinishReason: string | null;
  usage: NativeUsage | null;
  completionText: string;
  /**
   * The output split as stored content shows it, when the route tracks it (only when content is
   * stored); absent: `completionText` is the completion.
   */
  output?: { completion: string; reasoning: string | null } | undefined;
  cancelled: boolean;
  serviceTier: string | null;
  /**
   * The error a failed generation returned to its client, or for one the upstream ended with
   * finish_reason `error`, what it said of it (stored content only; absent when it succeeded or
   * nobody was left to see it). Stored content's `error` is set exactly when the record's
   * finish_reason is `error` (docs/decisions/0037-stored-error-follows-finish-reason.md).
   */
  failure?: ReturnedFailure | undefined;
}

const elapsed = (from: number | null, to: number | null): number | null =>
  from === null || to === null ? null : Math.round(to - from);

/**
 * Follows one generation from arrival to commit: ids, timings, attempts. The prompt is counted
 * in the event loop's next check phase, once the upstream request has been written (undici
 * writes it from a tick or microtask of the dispatch): a small prompt is counted in process,
 * synchronously, and counted at once it would delay the dispatch by its whole cost (tens of µs
 * with the tokenizer's tables out of cache); deferred, it overlaps the upstream's answer.
 */
export class GenerationMeter {
  readonly id: string;
  readonly requestId: string;
  readonly createdAtMs: number;
  readonly #init: MeterInit;
  readonly #ledger: Ledger;
  readonly #receivedAt = performance.now();
  readonly #attempts: ProviderResponse[] = [];
  /** Failed upstream attempts, kept only when content is stored (its `previous_errors`). */
  readonly #failures: FailedAttempt[] = [];
  readonly #promptTokens: Promise<TokenCount | null>;
  #dispatchedAt: number | null = null;
  #firstTokenAt: number | null = null;
  #endedAt: number | null = null;
  /** The in-flight journal's write of this generation, settled (never rejects); null: none. */
  #journalWrite: Promise<void> | null = null;

  constructor(init: MeterInit, ledger: Ledger) {
    this.#init = init;
    this.#ledger = ledger;
    this.createdAtMs = init.nowMs;
    this.id = createGenerationId(init.nowMs);
    this.requestId = createRequestId(init.nowMs);
    this.#promptTokens = new Promise((resolve) =>
      setImmediate(countPromptNow, resolve, init, ledger),
    );
  }

  /** Unix seconds of `created` in responses. */
  get created(): number {
    return Math.floor(this.createdAtMs / 1000);
  }

  /** The upstream request is being sent. */
  dispatched(): void {
    this.#dispatchedAt = performance.now();
  }

  /** An upstream attempt answered (or failed with `status` null). */
  attempted(
    candidate: { model: { id: string }; endpoint: MeteredEndpoint },
    status: number | null,
    upstreamId: string | null,
  ): void {
    const { endpoint } = candidate;
    const attempt: ProviderResponse = {
      status,
      endpoint_id: endpoint.id,
      model_permaslug: candidate.model.id,
      provider_name: endpoint.provider.name,
      is_byok: endpoint.byok !== null,
    };
    // Unknown fields are omitted, never null: the strict SDK rejects null there.
    if (upstreamId !== null) attempt.id = upstreamId;
    const latency = elapsed(this.#dispatchedAt, performance.now());
    if (latency !== null) attempt.latency = latency;
    this.#attempts.push(attempt);
  }

  /**
   * An upstream attempt failed with `error` (`status`: the HTTP status it returned, null when none
   * came back). Only stored content reads it; the record's `provider_responses` come from
   * {@link attempted}.
   */
  attemptFailed(
    candidate: { endpoint: MeteredEndpoint },
    status: number | null,
    error: unknown,
  ): void {
    if (!this.#init.storeContent) return;
    this.#failures.push({ error, status, providerName: candidate.endpoint.provider.name });
  }

  /** The first token arrived (idempotent). */
  firstToken(): void {
    this.#firstTokenAt ??= performance.now();
  }

  /** The upstream body ended. */
  ended(): void {
    this.#endedAt ??= performance.now();
  }

  /**
   * The in-flight journal is writing this generation's row (`write`, possibly while the upstream
   * is called): the record's commit, which deletes that row in its transaction, waits until the
   * write has settled, so a journal row can never land after its record and be recovered as a
   * second one.
   */
  journaling(write: Promise<unknown>): void {
    const settled = write.then(
      () => undefined,
      () => undefined,
    );
    const previous = this.#journalWrite;
    this.#journalWrite = previous === null ? settled : previous.then(() => settled);
  }

  /** Builds the record and commits it; resolves once it is durable. */
  async finish(outcome: GenerationOutcome): Promise<FinishedGeneration> {
    this.ended();
    let finished: FinishedGeneration;
    try {
      finished = await this.#build(outcome);
    } catch (error) {
      this.#init.settlement.release();
      throw error;
    }
    const init = this.#init;
    try {
      if (init.storeContent) finished.row.content = await this.#packContent(outcome);
      if (this.#journalWrite !== null) await this.#journalWrite;
      await this.#ledger.commit(finished.row, finished.committed);
    } catch (error) {
      init.settlement.release();
      throw error;
    }
    init.settlement.settle(finished.charged, this.createdAtMs);
    return finished;
  }

  /** Whether the route should track the output for stored content. */
  get storesContent(): boolean {
    return this.#init.storeContent;
  }

  #packContent(outcome: GenerationOutcome): Promise<Uint8Array> {
    const prompt = this.#init.plainPrompt;
    return packContent({
      input:
        prompt === undefined
          ? { messages: this.#init.messages }
          : 'texts' in prompt
            ? promptContent(prompt.texts)
            : tokenIdsContent(prompt.ids),
      output: outcome.output ?? { completion: outcome.completionText, reasoning: null },
      // Content only: the record itself keeps no error message (only finish_reason `error`).
      error: outcome.failure === undefined ? null : toContentError(outcome.failure, this.#failures),
    });
  }

  /**
   * The facts known before the outcome, once `endpoint` serves `model`: the in-flight journal
   * stores them before the id is exposed, so a crash still leaves a complete record.
   */
  async pending(model: string, endpoint: MeteredEndpoint): Promise<PendingFacts> {
    return this.#known(model, endpoint, await this.#promptTokens);
  }

  /**
   * The facts to journal while `candidate` is being called, before it answers: its attempt is
   * listed as in flight (`status` null, no latency), after the attempts already made.
   */
  async pendingAttempt(candidate: {
    model: { id: string };
    endpoint: MeteredEndpoint;
  }): Promise<PendingFacts> {
    const { endpoint } = candidate;
    const facts = this.#known(candidate.model.id, endpoint, await this.#promptTokens);
    facts.providerResponses = [
      ...this.#attempts,
      {
        status: null,
        endpoint_id: endpoint.id,
        model_permaslug: candidate.model.id,
        provider_name: endpoint.provider.name,
        is_byok: endpoint.byok !== null,
      },
    ];
    return facts;
  }

  /** The journal's facts; #build lists the same ones (with the outcome's) for the record. */
  #known(model: string, endpoint: MeteredEndpoint, promptTokens: TokenCount | null): PendingFacts {
    const init = this.#init;
    return {
      id: this.id,
      requestId: this.requestId,
      keyHash: init.keyHash,
      workspaceId: init.workspaceId,
      createdAtMs: this.createdAtMs,
      model,
      providerName: endpoint.provider.name,
      apiType: init.apiType,
      streamed: init.streamed,
      byokFeePpm: endpoint.byok?.feePpm ?? null,
      normalizedPromptTokens: promptTokens?.tokens ?? null,
      promptEstimated: promptTokens?.estimated === true,
      numMediaPrompt: init.numMediaPrompt,
      numPromptImages: init.numPromptImages,
      numInputAudioPrompt: init.numInputAudioPrompt,
      httpReferer: init.httpReferer,
      userAgent: init.userAgent,
      externalUser: init.externalUser,
      sessionId: init.sessionId,
      dataRegion: init.dataRegion,
      providerResponses: this.#attempts,
      prices: endpoint.prices,
      priceVersion: endpoint.priceVersion,
      // In the journal too, so a record recovered after a crash is capped at the same hold.
      chargeCap: init.chargeCap(endpoint),
    };
  }

  async #build(outcome: GenerationOutcome): Promise<FinishedGeneration> {
    const lastAttempt = this.#attempts.at(-1);
    if (lastAttempt !== undefined && outcome.upstreamId !== null)
      lastAttempt.id = outcome.upstreamId;
    // Both counts run at once; neither promise rejects (the ledger returns null on failure).
    const counting = this.#ledger.countCompletion(outcome.completionText, this.#init.keyHash);
    const promptTokens = await this.#promptTokens;
    const completionTokens = await counting;
    // One literal in GenerationFacts' order, not `{ ...this.#known(…), …outcome }`: a rest and a
    // spread of 25 fields were V8's slow CopyDataProperties on every request (see #known).
    const init = this.#init;
    const { endpoint } = outcome;
    return finishGeneration({
      id: this.id,
      requestId: this.requestId,
      keyHash: init.keyHash,
      workspaceId: init.workspaceId,
      createdAtMs: this.createdAtMs,
      model: outcome.model,
      providerName: endpoint.provider.name,
      upstreamId: outcome.upstreamId,
      apiType: init.apiType,
      streamed: init.streamed,
      cancelled: outcome.cancelled,
      byokFeePpm: endpoint.byok?.feePpm ?? null,
      latencyMs: elapsed(this.#receivedAt, this.#firstTokenAt),
      generationTimeMs: elapsed(this.#dispatchedAt, this.#endedAt),
      finishReason: outcome.finishReason,
      nativeFinishReason: outcome.nativeFinishReason,
      nativeUsage: outcome.usage,
      normalizedPromptTokens: promptTokens?.tokens ?? null,
      normalizedCompletionTokens: completionTokens?.tokens ?? null,
      normalizedEstimated: promptTokens?.estimated === true || completionTokens?.estimated === true,
      numMediaPrompt: init.numMediaPrompt,
      numPromptImages: init.numPromptImages,
      numInputAudioPrompt: init.numInputAudioPrompt,
      numMediaCompletion: 0,
      httpReferer: init.httpReferer,
      userAgent: init.userAgent,
      externalUser: init.externalUser,
      sessionId: init.sessionId,
      serviceTier: outcome.serviceTier,
      dataRegion: init.dataRegion,
      providerResponses: this.#attempts,
      prices: endpoint.prices,
      priceVersion: endpoint.priceVersion,
      chargeCap: init.chargeCap(endpoint),
    });
  }
}
