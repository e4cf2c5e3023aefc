import { randomUUID } from 'node:crypto';
import { createManagementKey } from './accounts/api-keys.js';
import { resolveSettings } from './config/settings.js';
import { toRecordTimestamp } from './ledger/ids.js';
import { formatUsd, parseUsd } from './ledger/money.js';
import { createStorage } from './storage/create-storage.js';
import type { Storage } from './storage/storage.js';

const USAGE = `usage:
  tollgate                         start the gateway
  tollgate credits add <usd> [note]   add account credit (negative corrects it), e.g. 100 or -2.5
  tollgate credits show            print total credits, total usage and balance
  tollgate keys create --management [--name <name>]
                                   mint a management key and print it once (e.g. when the
                                   printed bootstrap key is lost)`;

type Write = (text: string) => void;

/**
 * The gateway's storage as the environment selects it (`DATABASE_URL`, else SQLite in
 * `TOLLGATE_DATA_DIR`); the config file is not read, so a command needs none of its secrets.
 */
function openStorage(environment: Readonly<Record<string, string | undefined>>): Promise<Storage> {
  return createStorage(resolveSettings(environment, null).storage);
}

/** `keys create --management [--name X]`; the options parsed, or null when they are not that. */
function parseKeysCreate(options: readonly string[]): { name: string } | null {
  let management = false;
  let name = 'cli';
  for (let index = 0; index < options.length; index += 1) {
    const option = options[index];
    if (option === '--management') management = true;
    else if (option === '--name' && (options[index + 1] ?? '').trim() !== '') {
      name = (options[index + 1] as string).trim();
      index += 1;
    } else if (option?.startsWith('--name=') && option.length > '--name='.length) {
      name = option.slice('--name='.length).trim();
    } else return null;
  }
  return management && name.length <= 200 ? { name } : null;
}

async function createKeyCommand(
  options: readonly string[],
  environment: Readonly<Record<string, string | undefined>>,
  write: Write,
): Promise<number> {
  const parsed = parseKeysCreate(options);
  if (parsed === null) {
    // Only management keys: inference keys are made through the API, with a management key.
    write(`tollgate: keys create needs --management (and optionally --name <name>)\n${USAGE}\n`);
    return 2;
  }
  const storage = await openStorage(environment);
  try {
    const { key, row } = createManagementKey(parsed.name, toRecordTimestamp(Date.now()));
    await storage.apiKeys.insert(row);
    // The secret is printed here once; storage keeps its SHA-256.
    write(
      `Management key "${row.name}" created (hash ${row.hash}). Shown once, store it now:\n\n  ${key}\n\n`,
    );
    return 0;
  } finally {
    await storage.close();
  }
}

/** Runs an operator command against the configured storage; returns the exit code. */
export async function runCommand(
  argv: readonly string[],
  environment: Readonly<Record<string, string | undefined>>,
  write: Write,
): Promise<number> {
  const [group, action, amount, ...noteWords] = argv;
  if (group === 'keys' && action === 'create') {
    return createKeyCommand(argv.slice(2), environment, write);
  }
  if (group !== 'credits' || (action !== 'add' && action !== 'show')) {
    write(`${USAGE}\n`);
    return 2;
  }
  const storage = await openStorage(environment);
  try {
    if (action === 'add') {
      const match = /^(-?)(\d+(?:\.\d{1,12})?)$/.exec(amount ?? '');
      if (match === null || match[2] === undefined || parseUsd(match[2]) === 0n) {
        write(`tollgate: <usd> must be a non-zero decimal such as 100 or -2.5\n${USAGE}\n`);
        return 2;
      }
      const magnitude = parseUsd(match[2]);
      await storage.credits.insert({
        id: randomUUID(),
        amountPico: match[1] === '-' ? -magnitude : magnitude,
        note: noteWords.length > 0 ? noteWords.join(' ') : null,
        createdAt: toRecordTimestamp(Date.now()),
      });
    }
    const [grants, usage] = await Promise.all([
      storage.credits.totals(),
      storage.generations.sumAllUsage(),
    ]);
    write(
      `total credits $${formatUsd(grants.totalPico)}, total usage $${formatUsd(usage)}, ` +
        `balance $${formatUsd(grants.totalPico - usage)}` +
        `${grants.count === 0 ? ' (no credits granted: nothing is refused for lack of credit)' : ''}\n`,
    );
    return 0;
  } finally {
    await storage.close();
  }
}
