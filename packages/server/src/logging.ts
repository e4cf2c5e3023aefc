import { pino } from 'pino';

/** Log fields that may hold secrets; pino replaces them wherever they appear (one level deep). */
export const LOG_REDACT_PATHS = [
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'api_key',
  '*.api_key',
  'apiKey',
  '*.apiKey',
  'key',
  '*.key',
  'x-api-key',
  '*["x-api-key"]',
  '*["x-goog-api-key"]',
  // Connection URLs may carry passwords (postgres://user:secret@…, redis://:secret@…).
  'redis_url',
  '*.redis_url',
  'database_url',
  '*.database_url',
  'token',
  '*.token',
  // OAuth: an authorization code or PKCE verifier is as good as a key until it is exchanged.
  // (`err.code` of system errors stays readable: only a code under a body is redacted.)
  'code',
  'body.code',
  '*.body.code',
  'code_verifier',
  '*.code_verifier',
  'codeVerifier',
  '*.codeVerifier',
];

/**
 * Bytes of log lines held before they are written (or {@link LOG_FLUSH_MS}, whichever comes
 * first). Each asynchronous write is a hop to the threadpool and back, tens of µs of CPU across
 * the event loop and the threadpool on this 2-core machine whatever its size: written one
 * access-log line at a time it cost ≈ 90 µs per line (decision 0040). 64 KiB batches instead of
 * 4 KiB: 37.6 → 35.4 and 36.4 → 33.5 µs of server CPU per lookup at 64 connections
 * (bench/lookup-cpu-ab.ts). A batch is handed to the stream as one string, so holding more lines
 * costs no more per line (sonic-boom measures its pending string on every write it is handed).
 */
const LOG_BATCH_BYTES = 64 * 1024;

/** Most milliseconds an access-log line waits for its batch. */
const LOG_FLUSH_MS = 100;

/** Where the gateway's loggers write: lines held in batches, then stdout. */
export interface LogStream {
  write(line: string): boolean;
  /** Writes everything held and in progress before it returns (exit paths). */
  flushSync(): void;
}

/** The process's log destination (stdout) and how a line is pushed out without waiting. */
export interface LogDestination {
  destination: LogStream;
  /** Writes what is held now, or right after the write in progress ends. */
  writeSoon(): void;
}

/**
 * stdout, written asynchronously in batches of {@link LOG_BATCH_BYTES} or every
 * {@link LOG_FLUSH_MS}: for the access log, whose lines come one per request. The gateway's own
 * lines (startup, errors, recoveries, shutdown) call `writeSoon` after each, so they never wait
 * for a batch. Lines keep their order: every line goes through the one batch. Held lines are lost
 * only if the process is killed outright; every exit path flushes synchronously.
 */
export function createLogDestination(): LogDestination {
  // No batching of its own: each string handed over is written at once, or right after the
  // write in progress ends (together with whatever came meanwhile).
  const stdout = pino.destination({ dest: 1, sync: false });
  let held: string[] = [];
  let heldBytes = 0;
  const writeHeld = () => {
    if (held.length === 0) return;
    const text = held.length === 1 ? (held[0] as string) : held.join('');
    held = [];
    heldBytes = 0;
    stdout.write(text);
  };
  setInterval(writeHeld, LOG_FLUSH_MS).unref();
  return {
    destination: {
      write(line) {
        held.push(line);
        heldBytes += line.length;
        if (heldBytes >= LOG_BATCH_BYTES) writeHeld();
        return true;
      },
      flushSync() {
        writeHeld();
        stdout.flushSync();
      },
    },
    writeSoon: writeHeld,
  };
}
