import { type Insertable, type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import { GatewayError } from '../errors/gateway-error.js';
import type { ApiKeyTable, Database } from './database.js';

/** `pg_advisory_xact_lock` key serializing management-key changes ("tollkey\0" as an int8). */
const MANAGEMENT_KEYS_LOCK = 8390043843847104768n;

/**
 * Runs `work` in a transaction that no other management-key change runs alongside: on PostgreSQL
 * an advisory lock (nodes sharing the database would otherwise each see "another key is still
 * enabled" and both disable theirs); SQLite runs one write transaction at a time already.
 */
export function withManagementKeysLocked<T>(
  database: Kysely<Database>,
  dialect: 'sqlite' | 'postgres',
  work: (transaction: Transaction<Database>) => Promise<T>,
): Promise<T> {
  return database.transaction().execute(async (transaction) => {
    if (dialect === 'postgres') {
      await sql`SELECT pg_advisory_xact_lock(${MANAGEMENT_KEYS_LOCK.toString()}::bigint)`.execute(
        transaction,
      );
    }
    return work(transaction);
  });
}

/** Enabled, unexpired management keys other than `exceptHash`. */
export async function countEnabledManagementKeys(
  database: Kysely<Database>,
  nowIso: string,
  exceptHash: string | null = null,
): Promise<number> {
  let query = database
    .selectFrom('api_keys')
    .select((builder) => builder.fn.countAll<number | bigint | string>().as('count'))
    .where('is_management', '=', 1)
    .where('disabled', '=', 0)
    .where((builder) =>
      builder.or([builder('expires_at', 'is', null), builder('expires_at', '>', nowIso)]),
    );
  if (exceptHash !== null) query = query.where('hash', '<>', exceptHash);
  const row = await query.executeTakeFirstOrThrow();
  return Number(row.count);
}

/**
 * Throws 409 when the key `hash` is the last enabled management key: disabling or deleting it
 * would leave nobody able to manage keys (decision 0019).
 */
export async function refuseLastManagementKey(
  transaction: Transaction<Database>,
  hash: string,
  action: 'disable' | 'delete',
): Promise<void> {
  const target = await transaction
    .selectFrom('api_keys')
    .select(['is_management', 'disabled'])
    .where('hash', '=', hash)
    .executeTakeFirst();
  if (target === undefined || Number(target.is_management) !== 1 || Number(target.disabled) === 1) {
    return;
  }
  const nowIso = new Date().toISOString();
  if ((await countEnabledManagementKeys(transaction, nowIso, hash)) > 0) return;
  throw new GatewayError(
    'conflict',
    `Cannot ${action} the last enabled management key: create another one first ` +
      '(`tollgate keys create --management` on the gateway machine)',
  );
}

/**
 * Registers the bootstrap key and deletes every other bootstrap key; returns the deleted rows.
 * The caller holds {@link withManagementKeysLocked}.
 */
export async function rotateBootstrap(
  transaction: Transaction<Database>,
  values: Insertable<ApiKeyTable>,
): Promise<Array<Selectable<ApiKeyTable>>> {
  await transaction
    .insertInto('api_keys')
    .values({ ...values, bootstrap: 1 })
    .onConflict((conflict) => conflict.column('hash').doNothing())
    .execute();
  // An existing row (a restart, or a value that was another key) becomes the bootstrap key.
  await transaction
    .updateTable('api_keys')
    .set({ is_management: 1, disabled: 0, bootstrap: 1, expires_at: null })
    .where('hash', '=', values.hash)
    .execute();
  return transaction
    .deleteFrom('api_keys')
    .where('bootstrap', '=', 1)
    .where('hash', '<>', values.hash)
    .returningAll()
    .execute();
}
