import type { Logger } from 'pino';
import type { GenerationRow, GenerationStore } from '../storage/storage.js';
import type { TokenCount, TokenCounter } from './count-tokens.js';
import { createGroupCommit, type GroupCommit } from './group-commit.js';

/**
 * The one component that writes generation records: group-committed, durable before the
 * caller's promise resolves, never updated afterwards.
 */
export class Ledger {
  readonly #commits: GroupCommit<GenerationRow>;
  readonly #counter: TokenCounter | null;
  readonly #logger: Logger;
  readonly #listeners = new Set<(row: GenerationRow) => void>();

  constructor(store: GenerationStore, counter: TokenCounter | null, logger: Logger) {
    this.#commits = createGroupCommit((rows) => store.insertMany(rows));
    this.#counter = counter;
    this.#logger = logger;
  }

  /** Commits a record; resolves once it is durable. */
  async commit(row: GenerationRow): Promise<void> {
    await this.#commits.commit(row);
    for (const listener of this.#listeners) {
      try {
        listener(row);
      } catch (error) {
        // The record is durable already; an observer's failure must not fail the request.
        this.#logger.error({ err: error }, 'commit listener failed');
      }
    }
  }

  /** Calls `listener` after each record is durably committed; returns the unsubscribe. */
  onCommitted(listener: (row: GenerationRow) => void): () => void {
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

  /** Normalized prompt tokens, or null when counting is off or failed (never throws). */
  countPrompt(messages: unknown[]): Promise<TokenCount | null> {
    return this.#count('prompt', (counter) => counter.countPrompt(messages));
  }

  /** Normalized tokens of plain prompt texts (no chat overhead), or null when off or failed. */
  countTexts(texts: readonly string[]): Promise<TokenCount | null> {
    return this.#count('prompt', (counter) => counter.countTexts(texts));
  }

  /** Normalized tokens of a completion text, or null when counting is off or failed. */
  countCompletion(text: string): Promise<TokenCount | null> {
    return this.#count('completion', (counter) =>
      text === '' ? Promise.resolve({ tokens: 0, estimated: false }) : counter.countText(text),
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
