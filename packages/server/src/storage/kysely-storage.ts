import {
  CompiledQuery,
  type Insertable,
  type Kysely,
  Migrator,
  type Selectable,
  sql,
  type Updateable,
} from 'kysely';
import type { ApiKeyTable, Database, GenerationTable } from './database.js';
import { exactSum, readExactSum } from './exact-sum.js';
import {
  countEnabledManagementKeys,
  refuseLastManagementKey,
  rotateBootstrap,
  withManagementKeysLocked,
} from './kysely-api-keys.js';
import { createAuthCodeStore } from './kysely-auth-code-store.js';
import {
  createInflightStore,
  createNodeLeaseStore,
  deleteInflightRows,
} from './kysely-inflight-store.js';
import { addToRollups, createReportStore } from './kysely-reports.js';
import { createRetentionStore, sumKeyWindows, sumUsageInRange } from './kysely-usage.js';
import { migrationProvider } from './migrations/index.js';
import { assertStorableText, isStorableText } from './storable-text.js';
import type {
  ApiKeyPatch,
  ApiKeyRow,
  ApiKeyStore,
  CreditGrantRow,
  CreditStore,
  GenerationRow,
  GenerationStore,
  Storage,
} from './storage.js';

/** SQLite caps bound parameters per statement; 17 columns × 1,500 rows stays under 32,766. */
const INSERT_CHUNK = 1500;

const toBigInt = (value: bigint | number | string): bigint =>
  typeof value === 'bigint' ? value : BigInt(value);
const toFlag = (value: boolean): number => (value ? 1 : 0);
const fromFlag = (value: number | bigint): boolean => Number(value) !== 0;

function toApiKeyRow(row: Selectable<ApiKeyTable>): ApiKeyRow {
  return {
    hash: row.hash,
    name: row.name,
    label: row.label,
    isManagement: fromFlag(row.is_management),
    disabled: fromFlag(row.disabled),
    limitPico: row.limit_pico === null ? null : toBigInt(row.limit_pico),
    limitReset: row.limit_reset as ApiKeyRow['limitReset'],
    includeByokInLimit: fromFlag(row.include_byok_in_limit),
    workspaceId: row.workspace_id,
    creatorUserId: row.creator_user_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    expiresAt: row.expires_at,
    rateLimit:
      row.rate_limit_requests === null || row.rate_limit_interval_seconds === null
        ? null
        : {
            requests: Number(row.rate_limit_requests),
            intervalSeconds: Number(row.rate_limit_interval_seconds),
          },
    storeContent: row.store_content === null ? null : fromFlag(row.store_content),
  };
}

/** The columns of a new key. */
function toApiKeyInsert(row: ApiKeyRow): Insertable<ApiKeyTable> {
  return {
    hash: row.hash,
    name: row.name,
    label: row.label,
    is_management: toFlag(row.isManagement),
    disabled: toFlag(row.disabled),
    limit_pico: row.limitPico,
    limit_reset: row.limitReset,
    include_byok_in_limit: toFlag(row.includeByokInLimit),
    workspace_id: row.workspaceId,
    creator_user_id: row.creatorUserId,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
    expires_at: row.expiresAt,
    rate_limit_requests: row.rateLimit?.requests ?? null,
    rate_limit_interval_seconds: row.rateLimit?.intervalSeconds ?? null,
    store_content: row.storeContent === null ? null : toFlag(row.storeContent),
  };
}

function toApiKeyColumns(patch: ApiKeyPatch): Updateable<ApiKeyTable> {
  const columns: Updateable<ApiKeyTable> = {};
  if (patch.name !== undefined) columns.name = patch.name;
  if (patch.label !== undefined) columns.label = patch.label;
  if (patch.disabled !== undefined) columns.disabled = toFlag(patch.disabled);
  if (patch.limitPico !== undefined) columns.limit_pico = patch.limitPico;
  if (patch.limitReset !== undefined) columns.limit_reset = patch.limitReset;
  if (patch.includeByokInLimit !== undefined) {
    columns.include_byok_in_limit = toFlag(patch.includeByokInLimit);
  }
  if (patch.expiresAt !== undefined) columns.expires_at = patch.expiresAt;
  if (patch.updatedAt !== undefined) columns.updated_at = patch.updatedAt;
  if (patch.rateLimit !== undefined) {
    columns.rate_limit_requests = patch.rateLimit?.requests ?? null;
    columns.rate_limit_interval_seconds = patch.rateLimit?.intervalSeconds ?? null;
  }
  if (patch.storeContent !== undefined) {
    columns.store_content = patch.storeContent === null ? null : toFlag(patch.storeContent);
  }
  return columns;
}

/** A record's row as the `generations` table's insert values. */
function toGenerationValues(row: GenerationRow): Insertable<GenerationTable> {
  return {
    id: row.id,
    key_hash: row.keyHash,
    request_id: row.requestId,
    created_at: row.createdAt,
    model: row.model,
    provider_name: row.providerName,
    api_type: row.apiType,
    is_byok: toFlag(row.isByok),
    cancelled: toFlag(row.cancelled),
    usage_pico: row.usagePico,
    total_cost_pico: row.totalCostPico,
    upstream_cost_pico: row.upstreamCostPico,
    record_version: row.recordVersion,
    external_user: row.externalUser,
    session_id: row.sessionId,
    outcome: row.outcome,
    record: row.record,
  };
}

function createGenerationStore(database: Kysely<Database>): GenerationStore {
  // The lookup is the hottest query: built and compiled once (that was ~5 % of a lookup's CPU),
  // executed with each id as its only parameter.
  const getById = database
    .selectFrom('generations')
    .select(['key_hash', 'record_version', 'record'])
    .where('id', '=', '')
    .compile();
  return {
    async insertMany(rows: readonly GenerationRow[]) {
      if (rows.length === 0) return;
      const values = rows.map(toGenerationValues);
      await database.transaction().execute(async (transaction) => {
        for (let start = 0; start < values.length; start += INSERT_CHUNK) {
          await transaction
            .insertInto('generations')
            .values(values.slice(start, start + INSERT_CHUNK))
            .execute();
        }
        const contents = rows.flatMap((row) =>
          row.content === null
            ? []
            : // A row posted to the SQLite writer thread arrives as a plain Uint8Array.
              [
                {
                  id: row.id,
                  content: Buffer.from(
                    row.content.buffer,
                    row.content.byteOffset,
                    row.content.byteLength,
                  ),
                },
              ],
        );
        for (let start = 0; start < contents.length; start += INSERT_CHUNK) {
          await transaction
            .insertInto('generation_content')
            .values(contents.slice(start, start + INSERT_CHUNK))
            .execute();
        }
        // Same transaction: the usage rollups always equal the committed records.
        await addToRollups(transaction, rows);
        // Same transaction: a record and its in-flight journal row never both survive a crash.
        await deleteInflightRows(
          transaction,
          rows.map((row) => row.id),
        );
      });
    },
    async get(id: string) {
      if (!isStorableText(id)) return undefined;
      const { rows } = await database.executeQuery(
        CompiledQuery.raw(getById.sql, [id]) as typeof getById,
      );
      const row = rows[0];
      if (row === undefined) return undefined;
      return {
        keyHash: row.key_hash,
        recordVersion: Number(row.record_version),
        record: row.record,
      };
    },
    async getContent(id: string) {
      if (!isStorableText(id)) return undefined;
      const row = await database
        .selectFrom('generation_content')
        .select('content')
        .where('id', '=', id)
        .executeTakeFirst();
      return row?.content;
    },
    // Every usage sum includes the rollups of records retention deleted (kysely-usage.ts).
    sumUsage(keyHash: string, sinceIso: string | null = null) {
      return sumUsageInRange(database, { keyHash, sinceIso, beforeIso: null });
    },
    sumByokUsage(keyHash: string, sinceIso: string | null = null) {
      return sumUsageInRange(database, { keyHash, sinceIso, beforeIso: null, byok: true });
    },
    sumUsageBefore(keyHash: string | null, sinceIso: string | null, beforeIso: string) {
      return sumUsageInRange(database, { keyHash, sinceIso, beforeIso });
    },
    sumKeyWindows(keyHash: string, startsIso: readonly string[]) {
      return sumKeyWindows(database, keyHash, startsIso);
    },
    sumAllUsage() {
      return sumUsageInRange(database, { keyHash: null, sinceIso: null, beforeIso: null });
    },
    async count() {
      const row = await database
        .selectFrom('generations')
        .select((builder) => builder.fn.countAll<number | bigint | string>().as('count'))
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },
  };
}

function createApiKeyStore(database: Kysely<Database>, dialect: Storage['dialect']): ApiKeyStore {
  return {
    async get(hash: string) {
      if (!isStorableText(hash)) return undefined;
      const row = await database
        .selectFrom('api_keys')
        .selectAll()
        .where('hash', '=', hash)
        .executeTakeFirst();
      return row === undefined ? undefined : toApiKeyRow(row);
    },
    async insert(row: ApiKeyRow) {
      assertStorableText({ name: row.name });
      await database.insertInto('api_keys').values(toApiKeyInsert(row)).execute();
    },
    async insertIfAbsent(row: ApiKeyRow) {
      assertStorableText({ name: row.name });
      const result = await database
        .insertInto('api_keys')
        .values(toApiKeyInsert(row))
        .onConflict((conflict) => conflict.column('hash').doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
    },
    async list({ includeDisabled, offset, limit }) {
      let query = database.selectFrom('api_keys').selectAll();
      if (!includeDisabled) query = query.where('disabled', '=', 0);
      const rows = await query
        .orderBy('created_at', 'desc')
        .orderBy('hash')
        .offset(offset)
        .limit(limit)
        .execute();
      return rows.map(toApiKeyRow);
    },
    async update(hash: string, patch: ApiKeyPatch) {
      if (!isStorableText(hash)) return undefined;
      assertStorableText({ name: patch.name });
      const columns = toApiKeyColumns(patch);
      if (patch.disabled === true) {
        await withManagementKeysLocked(database, dialect, async (transaction) => {
          await refuseLastManagementKey(transaction, hash, 'disable');
          await transaction.updateTable('api_keys').set(columns).where('hash', '=', hash).execute();
        });
      } else if (Object.keys(columns).length > 0) {
        await database.updateTable('api_keys').set(columns).where('hash', '=', hash).execute();
      }
      return this.get(hash);
    },
    async delete(hash: string) {
      if (!isStorableText(hash)) return false;
      const result = await withManagementKeysLocked(database, dialect, async (transaction) => {
        await refuseLastManagementKey(transaction, hash, 'delete');
        return transaction.deleteFrom('api_keys').where('hash', '=', hash).executeTakeFirst();
      });
      return Number(result.numDeletedRows) > 0;
    },
    countEnabledManagementKeys(nowIso: string) {
      return countEnabledManagementKeys(database, nowIso);
    },
    async rotateBootstrapKey(row: ApiKeyRow) {
      assertStorableText({ name: row.name });
      const deleted = await withManagementKeysLocked(database, dialect, (transaction) =>
        rotateBootstrap(transaction, toApiKeyInsert(row)),
      );
      return deleted.map(toApiKeyRow);
    },
    async insertBootstrapKey(row: ApiKeyRow) {
      assertStorableText({ name: row.name });
      await database
        .insertInto('api_keys')
        .values({ ...toApiKeyInsert(row), bootstrap: 1 })
        .execute();
    },
    async countManagementKeys() {
      const row = await database
        .selectFrom('api_keys')
        .select((builder) => builder.fn.countAll<number | bigint | string>().as('count'))
        .where('is_management', '=', 1)
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },
  };
}

function createCreditStore(database: Kysely<Database>): CreditStore {
  return {
    async insert(row) {
      assertStorableText({ note: row.note });
      await database
        .insertInto('credit_grants')
        .values({
          id: row.id,
          amount_pico: row.amountPico,
          note: row.note,
          created_at: row.createdAt,
        })
        .execute();
    },
    async totals() {
      const row = await database
        .selectFrom('credit_grants')
        .select((builder) => [
          ...exactSum(sql.ref('amount_pico'), 'total'),
          builder.fn.countAll<number | bigint | string>().as('count'),
        ])
        .executeTakeFirstOrThrow();
      return {
        totalPico: readExactSum(row, 'total'),
        count: Number(row.count),
      };
    },
    async list(limit) {
      const rows = await database
        .selectFrom('credit_grants')
        .select(['id', 'amount_pico', 'note', 'created_at'])
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map(
        (row): CreditGrantRow => ({
          id: row.id,
          amountPico: toBigInt(row.amount_pico),
          note: row.note,
          createdAt: row.created_at,
        }),
      );
    },
  };
}

/** How {@link migrateToLatest} runs. */
export interface MigrateOptions {
  /**
   * The caller already runs `database` inside a transaction (PostgreSQL's `withMigrationLock`):
   * the migrator must not open its own, whose commit would end the caller's.
   */
  inTransaction?: boolean;
}

/** Runs pending migrations; throws with the failing migration's name. */
export async function migrateToLatest(
  database: Kysely<Database>,
  options: MigrateOptions = {},
): Promise<void> {
  const migrator = new Migrator({
    db: database,
    provider: migrationProvider,
    disableTransactions: options.inTransaction ?? false,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName;
    throw new Error(`storage migration ${failed ?? '(unknown)'} failed`, { cause: error });
  }
}

/** The one Storage implementation, over any Kysely dialect. */
export function createKyselyStorage(
  database: Kysely<Database>,
  dialect: Storage['dialect'],
): Storage {
  return {
    dialect,
    generations: createGenerationStore(database),
    apiKeys: createApiKeyStore(database, dialect),
    credits: createCreditStore(database),
    inflight: createInflightStore(database, toGenerationValues, dialect),
    nodeLeases: createNodeLeaseStore(database),
    retention: createRetentionStore(database, dialect),
    reports: createReportStore(database),
    authCodes: createAuthCodeStore(database),
    writeFailure: () => null,
    close: () => database.destroy(),
  };
}
