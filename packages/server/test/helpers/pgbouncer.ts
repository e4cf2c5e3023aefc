import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** Why a PgBouncer test is skipped when {@link findPgBouncer} finds no binary. */
export const PGBOUNCER_MISSING =
  'pgbouncer is not installed (apt-get install pgbouncer, or set PGBOUNCER to its path)';

/**
 * The `pgbouncer` executable: `PGBOUNCER` if set, else the first on `PATH` or in the sbin
 * directories Debian installs it to (often not on a non-root `PATH`); undefined when absent.
 */
export function findPgBouncer(): string | undefined {
  const configured = process.env['PGBOUNCER'];
  if (configured !== undefined && configured !== '') return configured;
  const directories = [
    ...(process.env['PATH'] ?? '').split(delimiter),
    '/usr/sbin',
    '/usr/local/sbin',
  ];
  for (const directory of directories) {
    if (directory === '') continue;
    const candidate = join(directory, 'pgbouncer');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** A PgBouncer child process in front of one PostgreSQL server. */
export interface PgBouncer {
  /** The URL of `database` through the pooler (any user name: it logs in as the upstream's). */
  url(database: string): string;
  /** Everything it logged so far. */
  readonly log: string;
  /** Stops it (SIGTERM: immediate shutdown, closing its server connections) and awaits its exit. */
  stop(): Promise<void>;
}

export interface PgBouncerOptions {
  /** The PostgreSQL server behind it: host, port, user and password of this URL are used. */
  upstream: string;
  /** `pool_mode` (default `transaction`). */
  poolMode?: 'session' | 'transaction';
  /** Server connections per database and user (`default_pool_size`, default 4). */
  poolSize?: number;
}

/** A port free on 127.0.0.1 right now (PgBouncer cannot listen on port 0 itself). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP port');
  return address.port;
}

/** The generated `pgbouncer.ini`: every database name maps to the same name upstream. */
function configuration(options: PgBouncerOptions, port: number): string {
  const upstream = new URL(options.upstream);
  const server = [
    `host=${upstream.hostname}`,
    `port=${upstream.port === '' ? '5432' : upstream.port}`,
    `user=${decodeURIComponent(upstream.username || 'postgres')}`,
    ...(upstream.password === '' ? [] : [`password=${decodeURIComponent(upstream.password)}`]),
  ].join(' ');
  return [
    '[databases]',
    `* = ${server}`,
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    'unix_socket_dir =',
    // `any`: no client authentication, and every server login uses the user named above.
    'auth_type = any',
    `pool_mode = ${options.poolMode ?? 'transaction'}`,
    `default_pool_size = ${options.poolSize ?? 4}`,
    'max_client_conn = 200',
    'logfile =',
    'pidfile =',
    // It refuses to run as root unless told which user to become.
    ...(process.getuid?.() === 0 ? ['user = nobody'] : []),
    '',
  ].join('\n');
}

/**
 * Starts `binary` on a free loopback port with a generated ini and resolves once it logs that it
 * is up; rejects with its log if it exits first or is not up within 10 s.
 */
export async function startPgBouncer(
  binary: string,
  options: PgBouncerOptions,
): Promise<PgBouncer> {
  const directory = await mkdtemp(join(tmpdir(), 'tollgate-pgbouncer-'));
  const port = await freePort();
  const iniPath = join(directory, 'pgbouncer.ini');
  await writeFile(iniPath, configuration(options, port));
  const child: ChildProcess = spawn(binary, [iniPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const up = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`pgbouncer not up within 10 s: ${log}`)),
      10_000,
    );
    const read = (chunk: Buffer) => {
      log += chunk.toString('utf8');
      if (!log.includes('process up')) return;
      clearTimeout(timer);
      resolve();
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`pgbouncer exited (${child.exitCode ?? child.signalCode}): ${log}`));
    });
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    await rm(directory, { recursive: true, force: true });
  };
  try {
    await up;
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url: (database) => `postgres://tollgate@127.0.0.1:${port}/${database}`,
    get log() {
      return log;
    },
    stop,
  };
}
