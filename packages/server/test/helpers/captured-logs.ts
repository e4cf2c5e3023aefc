import { Writable } from 'node:stream';
import { type Level, type Logger, pino } from 'pino';
import { LOG_REDACT_PATHS } from '../../src/logging.js';

/** A logger for a gateway under test, and everything it wrote. */
export interface CapturedLogs {
  logger: Logger;
  /** Each write, in order (pino writes one JSON line at a time). */
  lines: string[];
  /** Each line parsed. */
  records(): Array<Record<string, unknown>>;
}

/**
 * A pino logger at `level` writing into memory, for tests of what reaches the logs. With
 * `redact`, it censors {@link LOG_REDACT_PATHS} as main.ts's logger does; without, a test can
 * show a secret stays out of the log by never being logged at all.
 */
export function captureLogs(level: Level, options: { redact: boolean }): CapturedLogs {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = pino(
    options.redact
      ? { level, redact: { paths: LOG_REDACT_PATHS, censor: '[redacted]' } }
      : { level },
    sink,
  );
  return {
    logger,
    lines,
    records: () =>
      lines
        .join('')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
