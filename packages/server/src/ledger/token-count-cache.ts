// Token counts of long texts, remembered on the main thread so that the history a chat app resends
// every turn is tokenized once (docs/decisions/0039-token-count-cache.md). It stores only what
// count-texts.ts computed for a text; it never counts, and it does not load the tokenizer.
import { createHash, hash } from 'node:crypto';

/**
 * Texts shorter than this are never cached: hashing one costs a fixed ≈ 1 µs plus ≈ 0.7 ns per
 * character, small against counting (≥ 20 µs per 1,000 characters) only from about here on; short
 * messages are most messages and would crowd the long ones out of a bounded cache; and a short
 * prompt (the benchmark's is ≈ 200 characters) keeps exactly the path it had, at the cost of one
 * length comparison per count.
 */
export const CACHED_TEXT_MIN_CHARS = 1024;

/**
 * Entries kept by default: an entry is a 44-character SHA-256 digest and a small integer, ≈ 92 bytes
 * of heap measured, so ≈ 6 MB in all, standing for at least 64 Mi characters of counted text.
 */
export const DEFAULT_CACHE_MAX_ENTRIES = 65_536;

/** What {@link TokenCountCache.lookup} found for a list of texts. */
export interface CacheLookup {
  /** The cached counts found, summed. */
  cachedTokens: number;
  /** The texts still to count, in their order. */
  uncounted: string[];
  /**
   * The cache key of each text of `uncounted` that is long enough to cache (undefined for the
   * others), or undefined when there is none: pass it to `store` with their counts.
   */
  keys: (string | undefined)[] | undefined;
}

/**
 * A bounded least-recently-used map from a long text's SHA-256 digest to its exact token count.
 * Keyed by digest, not by the text itself: V8 hashes a string longer than 16,383 characters by its
 * length only, so long texts of one length (a crafted batch, say) would share one hash bucket and
 * every lookup would compare against all of them (measured: 1.6 ms per lookup with 800 texts of
 * 20,000 characters). A digest costs about as much as V8's own string hash, and the cache holds no
 * user text. Two texts with one digest would share a count, but finding such a pair means breaking
 * SHA-256's collision resistance (≈ 2^128 work).
 */
export class TokenCountCache {
  readonly #maxEntries: number;
  /** In least- to most-recently-used order: a hit is deleted and set again. */
  readonly #counts = new Map<string, number>();
  #hits = 0;
  #misses = 0;

  constructor(maxEntries = DEFAULT_CACHE_MAX_ENTRIES) {
    if (!Number.isInteger(maxEntries) || maxEntries < 0) {
      throw new RangeError(`maxEntries must be an integer >= 0, got ${maxEntries}`);
    }
    this.#maxEntries = maxEntries;
  }

  /** Texts answered from the cache so far. */
  get hits(): number {
    return this.#hits;
  }

  /** Long texts looked up and not found so far. */
  get misses(): number {
    return this.#misses;
  }

  /** Entries held. */
  get size(): number {
    return this.#counts.size;
  }

  /**
   * Splits `texts` into the cached counts of long texts and the texts left to count. `scope`
   * (the caller's key hash) is part of every entry's digest: a text one key sent is a hit for
   * that key only, so timing can tell no caller what another key sent.
   */
  lookup(texts: readonly string[], scope = ''): CacheLookup {
    let cachedTokens = 0;
    const uncounted: string[] = [];
    let keys: (string | undefined)[] | undefined;
    for (const text of texts) {
      if (text.length < CACHED_TEXT_MIN_CHARS || this.#maxEntries === 0) {
        uncounted.push(text);
        keys?.push(undefined);
        continue;
      }
      const key =
        scope === ''
          ? hash('sha256', text, 'base64')
          : createHash('sha256').update(scope).update('\n').update(text).digest('base64');
      const count = this.#counts.get(key);
      if (count !== undefined) {
        this.#hits++;
        cachedTokens += count;
        this.#counts.delete(key);
        this.#counts.set(key, count);
        continue;
      }
      this.#misses++;
      keys ??= new Array<string | undefined>(uncounted.length).fill(undefined);
      uncounted.push(text);
      keys.push(key);
    }
    return { cachedTokens, uncounted, keys };
  }

  /**
   * Remembers `counts[i]` for `keys[i]` (the per-text counts of a lookup's `uncounted`), evicting
   * the least recently used entries beyond the bound. Counts that do not line up are ignored.
   */
  store(keys: readonly (string | undefined)[], counts: readonly number[]): void {
    if (counts.length !== keys.length) return;
    for (let index = 0; index < keys.length; index++) {
      const key = keys[index];
      const count = counts[index];
      if (key === undefined || count === undefined) continue;
      this.#counts.delete(key);
      this.#counts.set(key, count);
    }
    for (const key of this.#counts.keys()) {
      if (this.#counts.size <= this.#maxEntries) break;
      this.#counts.delete(key);
    }
  }
}
