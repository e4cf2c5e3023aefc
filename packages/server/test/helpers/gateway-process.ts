import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generateKey } from '../../src/accounts/api-keys.js';

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

/** How a gateway process ended: the exit code (null when killed by a signal) and the signal. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A gateway running as its own process (`dist/main.js`, built by `npm run build`). */
export interface GatewayProcess {
  pid: number;
  /** The URL its listening line names: `http://127.0.0.1:PORT` unless `HOST` says otherwise. */
  url: string;
  /** `${url}/api/v1` */
  apiUrl: string;
  /** Everything written to stdout so far (JSON log lines). */
  readonly output: string;
  /** Everything written to stderr so far (also passed on to this process's stderr). */
  readonly stderr: string;
  /** Resolves once stdout has a line containing `text` (at once if it already has). */
  waitForOutput(text: string): Promise<void>;
  /** Resolves once stderr matches `pattern` (at once if it already does). */
  waitForStderr(pattern: RegExp): Promise<void>;
  /** Sends `signal` (`SIGKILL` is kill -9, `SIGTERM` a graceful stop); resolves with the exit. */
  kill(signal: 'SIGKILL' | 'SIGTERM'): Promise<ProcessExit>;
  /** Resolves once the process has exited and its output is all read; never rejects. */
  exited: Promise<ProcessExit>;
}

/** Calls each watcher whose condition `text` now meets, once. */
type Watchers = Array<{ met: (text: string) => boolean; resolve: () => void }>;

function notify(watchers: Watchers, text: string): void {
  for (const watcher of [...watchers]) {
    if (!watcher.met(text)) continue;
    watchers.splice(watchers.indexOf(watcher), 1);
    watcher.resolve();
  }
}

/**
 * Spawns `node dist/main.js` on 127.0.0.1 port 0 with `env` added to this process's environment
 * (a variable set to undefined is removed from it) and resolves once its listening line (with
 * its URL) is on stdout, read as it comes; rejects if it exits before. Once the test ends, a
 * process still running is killed (SIGKILL) and awaited, so no test leaves one behind, whatever
 * its outcome; cleanups registered before this call run before that.
 */
export async function startGatewayProcess(
  t: TestContext,
  env: Record<string, string | undefined>,
): Promise<GatewayProcess> {
  const environment: Record<string, string | undefined> = {
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    ...env,
  };
  for (const [name, value] of Object.entries(environment)) {
    if (value === undefined) delete environment[name];
  }
  const child = spawn(process.execPath, [MAIN], {
    env: environment,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // 'close', not 'exit': once it fires, stdout and stderr are read to their end.
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  let output = '';
  let stderr = '';
  const outputWatchers: Watchers = [];
  const stderrWatchers: Watchers = [];
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
    notify(outputWatchers, output);
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
    process.stderr.write(chunk);
    notify(stderrWatchers, stderr);
  });
  const waitForOutput = (text: string) =>
    output.includes(text)
      ? Promise.resolve()
      : new Promise<void>((resolve) =>
          outputWatchers.push({ met: (all) => all.includes(text), resolve }),
        );
  const waitForStderr = (pattern: RegExp) =>
    pattern.test(stderr)
      ? Promise.resolve()
      : new Promise<void>((resolve) =>
          stderrWatchers.push({ met: (all) => pattern.test(all), resolve }),
        );
  const url = await Promise.race([
    waitForOutput('"url":"').then(() => {
      const match = /"url":"(http:\/\/[^"]+)"/.exec(output);
      if (match?.[1] === undefined) throw new Error(`no URL in gateway output: ${output}`);
      return match[1];
    }),
    exited.then(({ code, signal }) => {
      throw new Error(`gateway exited early (${code ?? signal}): ${output}${stderr}`);
    }),
  ]);
  return {
    pid: child.pid ?? 0,
    url,
    apiUrl: `${url}/api/v1`,
    get output() {
      return output;
    },
    get stderr() {
      return stderr;
    },
    waitForOutput,
    waitForStderr,
    kill(signal) {
      child.kill(signal);
      return exited;
    },
    exited,
  };
}

/** Creates a fresh directory under the system's temp dir, removed (with its content) after the test. */
export async function scratchDir(t: TestContext, prefix: string): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(directory, { recursive: true, force: true }));
  return directory;
}

/** The files a gateway process runs on, and the environment naming them. */
export interface GatewayFiles {
  /** The scratch data directory (SQLite's, unless `DATABASE_URL` is set). */
  dataDir: string;
  /** `config.json` in `dataDir`. */
  configPath: string;
  /** The bootstrap management key (fresh). */
  adminKey: string;
  /** `TOLLGATE_DATA_DIR`, `TOLLGATE_CONFIG` and `TOLLGATE_ADMIN_KEY` for those. */
  env: Record<string, string>;
}

/**
 * A scratch data directory (removed after the test) holding `config` as `config.json`, and a
 * fresh admin key: what every gateway process of a test shares, restarts included.
 */
export async function prepareGatewayFiles(
  t: TestContext,
  prefix: string,
  config: unknown,
): Promise<GatewayFiles> {
  const dataDir = await scratchDir(t, prefix);
  const configPath = join(dataDir, 'config.json');
  await writeFile(configPath, JSON.stringify(config));
  const adminKey = generateKey();
  return {
    dataDir,
    configPath,
    adminKey,
    env: { TOLLGATE_DATA_DIR: dataDir, TOLLGATE_CONFIG: configPath, TOLLGATE_ADMIN_KEY: adminKey },
  };
}
