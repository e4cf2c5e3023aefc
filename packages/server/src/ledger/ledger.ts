import type { ProviderResponse } from '@tollgate/protocol';
import type { Logger } from 'pino';
import type { GenerationRow, GenerationStore } from '../storage/storage.js';
import type { TokenCount, TokenCounter } from './count-tokens.js';
import { createGroupCommit, type GroupCommit } from './group-commit.js';

/**
 * What observers of a commit need besides the row, handed over as the structured values the wire
 * record was serialized from: reading them back out of `row.record` meant a JSON.parse per record.
 */
export interface CommittedFacts {
  /** The record's `provider_responses`: every upstream attempt, in order. */
  providerResponses: readonly ProviderResponse[];
  /** The record's `upstream_reported_cost` (USD), or null when the upstream reported none. */
  upstreamReportedCost: number | null;
  /** The record's `uncapped_cost` (USD): set only when the charge was capped at the hold. */
  uncappedCost: number | null;
}

/** Called once a record is durable, with the facts its wire record holds. */
export type CommitListener = (row: GenerationRow, facts: CommittedFacts) => void;

/**
 * The one component that writes generation records: group-committed, durable before the
 * caller's promise resolves, never updated afterwards.
 */
export class Ledger {
  readonly #commits: GroupCommit<GenerationRow>;
  readonly #counter: TokenCounter | null;
  readonly #logger: Logger;
  readonly #listeners = new Set<CommitListener>();

  constructor(store: GenerationStore, counter: TokenCounter | null, logger: Logger) {
    this.#commits = createGroupCommit((rows) => store.insertMany(rows), {
      maxConcurrent: store.concurrentBatches ?? 1,
    });
    this.#counter = counter;
    this.#logger = logger;
  }

  /** Commits a record; resolves once it is durable. `facts` go to the listeners only. */
  async commit(row: GenerationRow, facts: CommittedFacts): Promise<void> {
    await this.#commits.commit(row);
    for (const listener of this.#listeners) {
      try {
        listener(row, facts);
      } catch (error) {
        // The record is durable already; an observer's failure must not fail the request.
        this.#logger.error({ err: error }, 'commit listener failed');
      }
    }
  }

  /** Calls `listener` after each record is durably committed; returns the unsubscribe. */
  onCommitted(listener: CommitListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Records waiting for or in a commit. */
  get pendingCommits(): number {
    return this.#commits.pending;
  }

  /** Waits until every queued record is written. */
  flush(): Promise<void> {
    return this.#commits.flush();
  }

  /**
   * Normalized prompt tokens, or null when counting is off or failed (never throws). `keyHash`
   * (each count's last argument) scopes the cached counts of long texts to the key.
   */
  countPrompt(messages: unknown[], keyHash?: string): Promise<TokenCount | null> {
    return this.#count('prompt', (counter) => counter.countPrompt(messages, keyHash));
  }

  /** Normalized tokens of plain prompt texts (no chat overhead), or null when off or failed. */
  countTexts(texts: readonly string[], keyHash?: string): Promise<TokenCount | null> {
    return this.#count('prompt', (counter) => counter.countTexts(texts, keyHash));
  }

  /** Normalized tokens of a completion text, or null when counting is off or failed. */
  countCompletion(text: string, keyHash?: string): Promise<TokenCount | null> {
    return this.#count('completion', (counter) =>
      text === ''
        ? Promise.resolve({ tokens: 0, estimated: false })
        : counter.countText(text, keyHash),
    );
  }

  async #count(
    what: 'prompt' | 'completion',
    count: (counter: TokenCounter) => Promise<TokenCount>,
  ): Promise<TokenCount | null> {
    if (this.#counter === null) return null;
    try {
      return await count(this.#counter);
    } catch (error) {
      this.#logger.warn({ err: error }, `${what} token count failed`);
      return null;
    }
  }
}
