import { Agent, request as httpRequest } from 'node:http';
import type { LoadRequest } from './run-load.js';
import { median, percentile } from './stats.js';

/** Latencies of streams sent one at a time, in milliseconds. */
export interface StreamLatencyResult {
  /** Request sent → first byte of the response body. */
  firstByteP50: number;
  /** Request sent → first SSE event carrying non-empty content (time to first token). */
  firstTokenP50: number;
  firstTokenP99: number;
  /** Request sent → end of the stream. */
  totalP50: number;
  streams: number;
  failures: number;
}

/** Matches a delta with non-empty content anywhere in the bytes received so far. */
const CONTENT = /"content":"[^"]/;

export interface Timing {
  firstByte: number;
  firstToken: number;
  total: number;
}

/**
 * Sends streaming requests one after another over one keep-alive connection for `seconds`,
 * timing the first body byte, the first content event and the end of each stream: the
 * per-request overhead, without the queueing a load at many connections adds.
 */
export async function probeStreamLatency(
  origin: string,
  request: LoadRequest,
  seconds: number,
): Promise<StreamLatencyResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const timings: Timing[] = [];
  let failures = 0;
  const deadline = performance.now() + seconds * 1_000;
  try {
    while (performance.now() < deadline) {
      const timing = await timeOneStream(origin, request, agent).catch(() => null);
      if (timing === null) failures += 1;
      else timings.push(timing);
    }
  } finally {
    agent.destroy();
  }
  const sorted = (pick: (timing: Timing) => number) => timings.map(pick).sort((a, b) => a - b);
  const firstToken = sorted((timing) => timing.firstToken);
  return {
    firstByteP50: percentile(
      sorted((timing) => timing.firstByte),
      0.5,
    ),
    firstTokenP50: percentile(firstToken, 0.5),
    firstTokenP99: percentile(firstToken, 0.99),
    totalP50: percentile(
      sorted((timing) => timing.total),
      0.5,
    ),
    streams: timings.length,
    failures,
  };
}

/** Time to first token of the first streams a server answers after it started, in order. */
export interface FirstStreamsResult {
  /** The very first stream's time to first token (ms). */
  first: number;
  /** The next streams' times to first token (ms), in order. */
  next: number[];
  /** Median of {@link next}. */
  nextMedian: number;
}

/**
 * Sends `1 + nextCount` streams one after another to a server that has just started (nothing
 * sent to it yet), timing each one's first token: whatever it loads lazily shows in the first.
 */
export async function probeFirstStreams(
  origin: string,
  request: LoadRequest,
  nextCount = 10,
): Promise<FirstStreamsResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const first = (await timeOneStream(origin, request, agent)).firstToken;
    const next: number[] = [];
    for (let index = 0; index < nextCount; index += 1) {
      next.push((await timeOneStream(origin, request, agent)).firstToken);
    }
    return { first, next, nextMedian: median(next) };
  } finally {
    agent.destroy();
  }
}

/** Times one stream over `agent`: first body byte, first content event, end (ms). */
export function timeOneStream(origin: string, spec: LoadRequest, agent: Agent): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let firstByte = Number.NaN;
    let firstToken = Number.NaN;
    let received = '';
    const outgoing = httpRequest(
      `${origin}${spec.path}`,
      { method: spec.method, headers: spec.headers, agent },
      (response) => {
        if (response.statusCode !== 200) {
          response.resume();
          reject(new Error(`status ${response.statusCode}`));
          return;
        }
        response.setEncoding('utf8');
        response.on('data', (text: string) => {
          const now = performance.now();
          if (Number.isNaN(firstByte)) firstByte = now - started;
          if (Number.isNaN(firstToken)) {
            received += text;
            if (CONTENT.test(received)) firstToken = now - started;
          }
        });
        response.on('end', () => {
          if (Number.isNaN(firstToken)) reject(new Error('no content event'));
          else resolve({ firstByte, firstToken, total: performance.now() - started });
        });
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(spec.body);
  });
}
