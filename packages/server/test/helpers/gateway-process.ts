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
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `http://127.0.0.1:PORT/api/v1` */
  apiUrl: string;
  /** Everything written to stdout so far (JSON log lines). */
  readonly output: string;
  /** Everything written to stderr so far (also passed on to this process's stderr). */
  readonly stderr: string;
  /** Resolves once stdout has a line containing `text` (at once if it already has). */
  waitForOutput(text: string): Promise<void>;
  /** Sends `signal` (`SIGKILL` is kill -9, `SIGTERM` a graceful stop); resolves with the exit. */
  kill(signal: 'SIGKILL' | 'SIGTERM'): Promise<ProcessExit>;
  /** Resolves once the process has exited; never rejects. */
  exited: Promise<ProcessExit>;
}

/**
 * Spawns `node dist/main.js` on 127.0.0.1 port 0 with `env` added to this process's environment
 * and resolves once its listening line (with its URL) is on stdout, read as it comes; rejects if
 * it exits before. Once the test ends, a process still running is killed (SIGKILL) and awaited,
 * so no test leaves one behind, whatever its outcome.
 */
export async function startGatewayProcess(
  t: TestContext,
  env: Record<string, string>,
): Promise<GatewayProcess> {
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  let output = '';
  let stderr = '';
  const watchers: Array<{ text: string; resolve: () => void }> = [];
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
    for (const watcher of [...watchers]) {
      if (!output.includes(watcher.text)) continue;
      watchers.splice(watchers.indexOf(watcher), 1);
      watcher.resolve();
    }
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
    process.stderr.write(chunk);
  });
  const waitForOutput = (text: string) =>
    output.includes(text)
      ? Promise.resolve()
      : new Promise<void>((resolve) => watchers.push({ text, resolve }));
  const url = await Promise.race([
    waitForOutput('"url":"').then(() => {
      const match = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(output);
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
