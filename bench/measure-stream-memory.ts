import { readFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { chatRequest, HELD_MODEL_COUNT, heldModel, type Target } from './targets.js';

/** What one memory measurement found for one target. */
export interface StreamMemoryResult {
  streams: number;
  /** Resident set size of the target process before opening the streams, in bytes. */
  rssBefore: number;
  /** Resident set size with every stream open (first content chunk received), in bytes. */
  rssOpen: number;
  /** (rssOpen − rssBefore) / streams. */
  bytesPerStream: number;
  /** Streams that failed or did not end with `data: [DONE]` after the release. */
  failures: number;
}

/** Resident set size of process `pid` in bytes (VmRSS from /proc). */
export function residentBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (match?.[1] === undefined) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}

/** The fake upstream's first content chunk (` The`), however a gateway re-serializes the event. */
const FIRST_CONTENT = /"content":\s*" The"/;

interface OpenStream {
  /** Resolves once the first content chunk arrived (open end to end), or the stream ended. */
  opened: Promise<void>;
  /** Resolves with the whole body once the stream ends (or with the error text). */
  done: Promise<string>;
}

function openStream(target: Target, index: number, agent: Agent): OpenStream {
  const spec = chatRequest(target, true, heldModel(index % HELD_MODEL_COUNT));
  let markOpened: () => void = () => {};
  const opened = new Promise<void>((resolve) => {
    markOpened = resolve;
  });
  const done = new Promise<string>((resolve) => {
    const url = new URL(spec.path, target.origin);
    const outgoing = httpRequest(
      url,
      { method: spec.method, headers: spec.headers, agent, timeout: 60_000 },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (text: string) => {
          body += text;
          if (FIRST_CONTENT.test(body)) markOpened();
        });
        response.on('end', () => {
          markOpened();
          resolve(`${response.statusCode} ${body}`);
        });
        response.on('error', (error) => {
          markOpened();
          resolve(`error ${error.message}`);
        });
      },
    );
    outgoing.on('error', (error) => {
      markOpened();
      resolve(`error ${error.message}`);
    });
    outgoing.on('timeout', () => outgoing.destroy(new Error('timed out')));
    outgoing.end(spec.body);
  });
  return { opened, done };
}

/**
 * Memory per open stream: reads the target's RSS, opens `streams` streams of held models at once
 * (each on its own connection; the fake upstream sends the role and first content chunk, then
 * holds them), waits until every client received its first content chunk, reads the RSS again,
 * then releases the upstream and checks every stream ends with `[DONE]`.
 */
export async function measureStreamMemory(
  target: Target,
  upstreamOrigin: string,
  streams: number,
): Promise<StreamMemoryResult> {
  const agent = new Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
  try {
    const rssBefore = residentBytes(target.pid);
    const open = Array.from({ length: streams }, (_, index) => openStream(target, index, agent));
    await Promise.all(open.map((stream) => stream.opened));
    const rssOpen = residentBytes(target.pid);
    const release = await fetch(`${upstreamOrigin}/release`, { method: 'POST' });
    await release.arrayBuffer();
    const bodies = await Promise.all(open.map((stream) => stream.done));
    const failures = bodies.filter((body) => !body.trimEnd().endsWith('data: [DONE]')).length;
    return {
      streams,
      rssBefore,
      rssOpen,
      bytesPerStream: (rssOpen - rssBefore) / streams,
      failures,
    };
  } finally {
    agent.destroy();
  }
}
