import type { Logger } from 'pino';
import type { GenerationRow, GenerationStore } from '../storage/storage.js';
import { createGroupCommit, type GroupCommit } from './group-commit.js';

/** A token count from the reference tokenizer; `estimated` when the input was too large. */
export interface TokenCount {
  tokens: number;
  estimated: boolean;
}

/** Normalized token counting (runs off the event loop). */
export interface TokenCounter {
  countPrompt(messages: unknown[]): Promise<TokenCount>;
  countText(text: string): Promise<TokenCount>;
  close(): Promise<void>;
}

/**
 * The one component that writes generation records: group-committed, durable before the
 * caller's promise resolves, never updated afterwards.
 */
export class Ledger {
  readonly #commits: GroupCommit<GenerationRow>;
  readonly #counter: TokenCounter | null;
  readonly #logger: Logger;

  constructor(store: GenerationStore, counter: TokenCounter | null, logger: Logger) {
    this.#commits = createGroupCommit((rows) => store.insertMany(rows));
    this.#counter = counter;
    this.#logger = logger;
  }

  /** Commits a record; resolves once it is durable. */
  commit(row: GenerationRow): Promise<void> {
    return this.#commits.commit(row);
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
  async countPrompt(messages: unknown[]): Promise<number | null> {
    if (this.#counter === null) return null;
    try {
      return (await this.#counter.countPrompt(messages)).tokens;
    } catch (error) {
      this.#logger.warn({ err: error }, 'prompt token count failed');
      return null;
    }
  }

  /** Normalized tokens of a completion text, or null when counting is off or failed. */
  async countCompletion(text: string): Promise<number | null> {
    if (this.#counter === null) return null;
    if (text === '') return 0;
    try {
      return (await this.#counter.countText(text)).tokens;
    } catch (error) {
      this.#logger.warn({ err: error }, 'completion token count failed');
      return null;
    }
  }
}
