import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

/** A gateway running as its own process (`dist/main.js`, built by `npm run build`). */
export interface SpawnedGateway {
  child: ChildProcess;
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `http://127.0.0.1:PORT/api/v1` */
  apiUrl: string;
  /** Everything written to stdout so far (JSON log lines). */
  readonly output: string;
  /** Resolves once stdout has a line containing `text` (at once if it already has). */
  waitForOutput(text: string): Promise<void>;
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Spawns `node dist/main.js` on port 0 with `env` added to this process's environment and
 * resolves once it logs its URL (LOG_LEVEL info). Rejects if it exits before.
 */
export async function spawnGateway(env: Record<string, string>): Promise<SpawnedGateway> {
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  const watchers: Array<{ text: string; resolve: () => void }> = [];
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
    for (const watcher of [...watchers]) {
      if (!output.includes(watcher.text)) continue;
      watchers.splice(watchers.indexOf(watcher), 1);
      watcher.resolve();
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
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
    exited.then(({ code }) => {
      throw new Error(`gateway exited early (${code}): ${output}`);
    }),
  ]);
  return {
    child,
    url,
    apiUrl: `${url}/api/v1`,
    get output() {
      return output;
    },
    waitForOutput,
    exited,
  };
}
