/** One attempt as the ring returns it. */
export interface RingSample {
  atMs: number;
  ok: boolean;
  latencyMs: number | null;
  throughput: number | null;
}

const OK = 1;
const HAS_LATENCY = 2;
const HAS_THROUGHPUT = 4;

/**
 * The last `capacity` attempts of one endpoint, in fixed typed arrays written round-robin: adding
 * a sample is O(1) and allocates nothing (an array trimmed with `splice` moved 4,096 entries per
 * sample and allocated an object for each).
 */
export class SampleRing {
  readonly #atMs: Float64Array;
  readonly #latencyMs: Float64Array;
  readonly #throughput: Float64Array;
  /** Bit set per sample: OK, HAS_LATENCY, HAS_THROUGHPUT. */
  readonly #flags: Uint8Array;
  /** Where the next sample goes. */
  #next = 0;
  #size = 0;

  constructor(capacity: number) {
    this.#atMs = new Float64Array(capacity);
    this.#latencyMs = new Float64Array(capacity);
    this.#throughput = new Float64Array(capacity);
    this.#flags = new Uint8Array(capacity);
  }

  /** Adds a sample, overwriting the oldest once full. */
  push(atMs: number, ok: boolean, latencyMs: number | null, throughput: number | null): void {
    const slot = this.#next;
    this.#atMs[slot] = atMs;
    this.#latencyMs[slot] = latencyMs ?? 0;
    this.#throughput[slot] = throughput ?? 0;
    this.#flags[slot] =
      (ok ? OK : 0) |
      (latencyMs === null ? 0 : HAS_LATENCY) |
      (throughput === null ? 0 : HAS_THROUGHPUT);
    this.#next = slot + 1 === this.#flags.length ? 0 : slot + 1;
    if (this.#size < this.#flags.length) this.#size += 1;
  }

  /** Samples kept (at most the capacity). */
  get size(): number {
    return this.#size;
  }

  /** The kept samples newer than `sinceMs` (exclusive), oldest first. */
  since(sinceMs: number): RingSample[] {
    const capacity = this.#flags.length;
    const result: RingSample[] = [];
    let slot = (this.#next - this.#size + capacity) % capacity;
    for (let index = 0; index < this.#size; index += 1) {
      const atMs = this.#atMs[slot] as number;
      if (atMs > sinceMs) {
        const flags = this.#flags[slot] as number;
        result.push({
          atMs,
          ok: (flags & OK) !== 0,
          latencyMs: (flags & HAS_LATENCY) === 0 ? null : (this.#latencyMs[slot] as number),
          throughput: (flags & HAS_THROUGHPUT) === 0 ? null : (this.#throughput[slot] as number),
        });
      }
      slot = slot + 1 === capacity ? 0 : slot + 1;
    }
    return result;
  }
}
