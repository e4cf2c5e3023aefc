import type { LoadRequest } from './run-load.js';

/** Roles in the tables: what a target is compared with. */
export type TargetRole = 'direct' | 'raw-proxy' | 'bare-lookup' | 'tollgate' | 'peer';

/** A server the load is aimed at. */
export interface Target {
  /** Name in the tables. */
  name: string;
  role: TargetRole;
  /** `http://127.0.0.1:PORT`. */
  origin: string;
  /** Path of chat completions on this target. */
  chatPath: string;
  /** Headers sent with every chat request (auth, and whatever a peer gateway needs). */
  headers: Record<string, string>;
  /** The process whose CPU is this target's cost. */
  pid: number;
}

/** The model slug Tollgate serves in the benchmark config. */
export const BENCH_MODEL = 'bench/model';

/**
 * Models whose streams the fake upstream holds open after the first content chunk until released
 * (the memory-per-open-stream scenario). Tollgate serves each through its own provider, because one
 * provider's connection pool keeps at most 256 sockets: {@link HELD_MODEL_COUNT} × 256 ≥ 1,000.
 */
export const HELD_MODEL_COUNT = 8;

/** Tollgate's slug of held model `index` (`bench/held-0` …). */
export function heldModel(index: number): string {
  return `bench/held-${index}`;
}

/** The upstream model of held model `index` (`bench-held-0` …); the fake upstream holds both forms. */
export function heldUpstreamModel(index: number): string {
  return `bench-held-${index}`;
}

/** About 200 characters of prompt, as the issue asks. */
const PROMPT =
  'You are a careful assistant. Summarize in one short sentence why a metering gateway must ' +
  'record the usage of every generation exactly once, even when the client disconnects early.';

/** Chat completion request on `target`, JSON or SSE, for `model` (the bench model by default). */
export function chatRequest(target: Target, stream: boolean, model = BENCH_MODEL): LoadRequest {
  const body: Record<string, unknown> = {
    model,
    messages: [{ role: 'user', content: PROMPT }],
  };
  if (stream) body['stream'] = true;
  return {
    method: 'POST',
    path: target.chatPath,
    headers: { 'content-type': 'application/json', ...target.headers },
    body: JSON.stringify(body),
  };
}

/** `GET /api/v1/generation?id=` for each id (cycled by the load generator). */
export function lookupRequests(target: Target, ids: readonly string[]): LoadRequest[] {
  return ids.map((id) => ({
    method: 'GET',
    path: `/api/v1/generation?id=${encodeURIComponent(id)}`,
    headers: { ...target.headers },
  }));
}
