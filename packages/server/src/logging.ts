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
 * first). Each asynchronous write is a hop to the threadpool and back: written one access-log line
 * at a time (one request in flight), that cost ≈ 90 µs of CPU per line across the event loop and
 * the threadpool on a 2-core machine, against ≈ 20 µs per line in batches (decision 0040).
 */
const LOG_BATCH_BYTES = 4096;

/** Most milliseconds an access-log line waits for its batch. */
const LOG_FLUSH_MS = 100;

/** The process's log destination (stdout) and how a line is pushed out without waiting. */
export interface LogDestination {
  destination: ReturnType<typeof pino.destination>;
  /** Writes what is held now, or right after the write in progress ends. */
  writeSoon(): void;
}

/**
 * stdout, written asynchronously in batches of {@link LOG_BATCH_BYTES} or every
 * {@link LOG_FLUSH_MS}: for the access log, whose lines come one per request. The gateway's own
 * lines (startup, errors, recoveries, shutdown) call `writeSoon` after each, so they never wait
 * for a batch. Held lines are lost only if the process is killed outright; every exit path
 * flushes synchronously.
 */
export function createLogDestination(): LogDestination {
  const destination = pino.destination({
    dest: 1,
    sync: false,
    minLength: LOG_BATCH_BYTES,
    periodicFlush: LOG_FLUSH_MS,
  });
  // A flush while a write is in progress does nothing, and the write's end leaves lines under
  // the batch size held: so each write's end flushes again until a flush asked for has run.
  let waiting = false;
  const flush = () => {
    waiting = false;
    destination.flush();
  };
  destination.on('write', () => {
    if (waiting) setImmediate(flush);
  });
  return {
    destination,
    writeSoon() {
      waiting = true;
      destination.flush();
    },
  };
}
