import { randomUUID } from 'node:crypto';
import { toRecordTimestamp } from './ledger/ids.js';
import { formatUsd, parseUsd } from './ledger/money.js';
import { createStorage } from './storage/create-storage.js';
import { resolveStorageConfig } from './storage/resolve-storage-config.js';

const USAGE = `usage:
  tollgate                         start the gateway
  tollgate credits add <usd> [note]   add account credit (negative corrects it), e.g. 100 or -2.5
  tollgate credits show            print total credits, total usage and balance`;

/** Runs an operator command against the configured storage; returns the exit code. */
export async function runCommand(
  argv: readonly string[],
  environment: Readonly<Record<string, string | undefined>>,
  write: (text: string) => void,
): Promise<number> {
  const [group, action, amount, ...noteWords] = argv;
  if (group !== 'credits' || (action !== 'add' && action !== 'show')) {
    write(`${USAGE}\n`);
    return 2;
  }
  const storage = await createStorage(
    resolveStorageConfig({ environment, dataDir: environment['TOLLGATE_DATA_DIR'] || './data' }),
  );
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
