import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { machineBusySeconds } from './process-group.js';

function packageVersion(path: string): string {
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { version?: string }).version ?? '?';
  } catch {
    return 'not installed';
  }
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return '';
  }
}

/** Cores' worth of CPU the machine used over `seconds` before the run starts anything. */
export async function sampleMachineBusy(seconds: number): Promise<number> {
  const before = machineBusySeconds();
  await sleep(seconds * 1_000);
  return (machineBusySeconds() - before) / seconds;
}

function builtAt(path: string): string {
  try {
    return statSync(path).mtime.toISOString();
  } catch {
    return 'missing';
  }
}

/** nproc, CPU model, memory, kernel, and how busy the machine was just before the run. */
export function describeMachine(busyBefore: number): Array<[string, string]> {
  return [
    // cpus(), not availableParallelism(): the bench process is pinned to one core by now.
    ['nproc', String(cpus().length)],
    ['CPU', cpus()[0]?.model ?? 'unknown'],
    ['memory', `${Math.round(totalmem() / 2 ** 30)} GiB`],
    ['kernel', `Linux ${release()}`],
    ['busy before the run (other processes)', `${Math.round(busyBefore * 100)}% of a core`],
  ];
}

/** Node, Tollgate's commit and the libraries on the measured paths. */
export function describeVersions(): Array<[string, string]> {
  const commit = git(['rev-parse', '--short', 'HEAD']) || 'unknown';
  const dirty =
    git(['status', '--porcelain', '--', 'packages']) === '' ? '' : ' (uncommitted changes)';
  return [
    ['Node.js', process.version],
    ['Tollgate', `${packageVersion('packages/server/package.json')} at ${commit}${dirty}`],
    ['Tollgate build (dist/main.js)', builtAt('packages/server/dist/main.js')],
    ['fastify', packageVersion('node_modules/fastify/package.json')],
    ['better-sqlite3', packageVersion('node_modules/better-sqlite3/package.json')],
    ['undici (Tollgate)', packageVersion('node_modules/undici/package.json')],
    ['undici (raw proxy)', packageVersion('bench/node_modules/undici/package.json')],
    ['autocannon', packageVersion('bench/node_modules/autocannon/package.json')],
    ['Portkey gateway', packageVersion('bench/node_modules/@portkey-ai/gateway/package.json')],
    [
      '@hono/node-server (Portkey)',
      packageVersion('bench/node_modules/@hono/node-server/package.json'),
    ],
  ];
}

/** The command as a reader would type it (a password in a URL argument is masked). */
export function describeCommand(): string {
  const args = process.argv
    .slice(2)
    .join(' ')
    .replace(/(\/\/[^:/@\s]+:)[^@\s]+@/g, '$1***@');
  if (process.env['npm_lifecycle_event'] === 'bench') {
    return args === '' ? 'npm run bench' : `npm run bench -- ${args}`;
  }
  return `node --import tsx bench/run.ts${args === '' ? '' : ` ${args}`}`;
}
