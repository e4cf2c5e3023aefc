#!/usr/bin/env node
import { pino } from 'pino';
import { runCommand } from './cli.js';
import { ConfigError } from './config/load-config.js';
import { loadSettings } from './config/settings.js';
import { NodeIdInUseError } from './ledger/node-leases.js';
import { createLogDestination, LOG_REDACT_PATHS } from './logging.js';
import { startGateway } from './start-gateway.js';

/**
 * The first start's management key as a framed plain-text block (stderr, never the JSON log): the
 * database keeps only its SHA-256, so this is the one chance to copy it.
 */
function frameBootstrapKey(key: string): string {
  const lines = [
    'Tollgate created a management key. It is shown only this once: store it now.',
    '',
    `    ${key}`,
    '',
    'It can call every endpoint. Lost it? On this machine, with the same storage settings, run',
    '    npm start -- keys create --management',
    'to mint another.',
  ];
  const width = Math.max(...lines.map((line) => line.length));
  const rule = `+${'-'.repeat(width + 2)}+`;
  const body = lines.map((line) => `| ${line.padEnd(width)} |`);
  return `\n${[rule, ...body, rule].join('\n')}\n\n`;
}

async function main(): Promise<void> {
  // Every environment variable is read here, through the one table of config/settings.ts.
  const settings = await loadSettings(process.env);
  const level = settings.logLevel;
  // Asynchronous writes: a log line never blocks the event loop on a slow stdout (a pipe, a
  // terminal); flushed before every exit below. Access-log lines go out in batches, the
  // gateway's own lines at once (logging.ts).
  const { destination, writeSoon } = createLogDestination();
  const logger = pino(
    {
      level,
      redact: { paths: LOG_REDACT_PATHS, censor: '[redacted]' },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args);
          writeSoon();
        },
      },
    },
    destination,
  );
  // Access-log lines carry only fixed fields (ids, route pattern, status, duration): no redaction.
  const accessLogger = pino({ level }, destination);
  const exit = (code: number) => {
    destination.flushSync();
    process.exit(code);
  };
  const gateway = await startGateway({ settings, logger, accessLogger });
  if (gateway.bootstrapKey !== null) {
    logger.info(
      'created the bootstrap management key: printed once on stderr, only its hash is stored',
    );
    process.stderr.write(frameBootstrapKey(gateway.bootstrapKey));
  }
  // Before the listening line: whoever waits for that line may stop the gateway at once.
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: draining in-flight requests');
    gateway.close().then(
      () => exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  logger.info(
    { url: gateway.url, demo: gateway.demo },
    `Tollgate listening on ${gateway.url} (OpenRouter API at ${gateway.url}/api/v1)`,
  );
}

const command = process.argv.slice(2);
const run =
  command.length > 0
    ? runCommand(command, process.env, (text) => process.stdout.write(text)).then((code) => {
        process.exitCode = code;
      })
    : main();
run.catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof NodeIdInUseError) {
    process.stderr.write(`tollgate: ${error.message}\n`);
  } else {
    process.stderr.write(`tollgate: failed to start: ${(error as Error).stack ?? String(error)}\n`);
  }
  process.exit(1);
});
