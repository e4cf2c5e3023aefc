import type { Kysely, Selectable } from 'kysely';
import type { AuthCodeTable, Database } from './database.js';
import { assertStorableText } from './storable-text.js';
import type { AuthCodeRow, AuthCodeStore } from './storage.js';

const toBigInt = (value: bigint | number | string): bigint =>
  typeof value === 'bigint' ? value : BigInt(value);

function toAuthCodeRow(row: Selectable<AuthCodeTable>): AuthCodeRow {
  return {
    codeHash: row.code_hash,
    appId: Number(row.app_id),
    callbackUrl: row.callback_url,
    codeChallenge: row.code_challenge,
    codeChallengeMethod: row.code_challenge_method as AuthCodeRow['codeChallengeMethod'],
    keyName: row.key_name,
    limitPico: row.limit_pico === null ? null : toBigInt(row.limit_pico),
    limitReset: row.limit_reset as AuthCodeRow['limitReset'],
    keyExpiresAt: row.key_expires_at,
    workspaceId: row.workspace_id,
    creatorUserId: row.creator_user_id,
    approvedByKeyHash: row.approved_by_key_hash,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}

/** OAuth authorization codes over any Kysely dialect (decision 0021). */
export function createAuthCodeStore(database: Kysely<Database>): AuthCodeStore {
  return {
    async insert(row, nowIso) {
      assertStorableText({
        callback_url: row.callbackUrl,
        key_label: row.keyName,
        workspace_id: row.workspaceId,
      });
      await database.transaction().execute(async (transaction) => {
        // Expired codes can never be exchanged: each new code sweeps them (indexed, usually none).
        await transaction.deleteFrom('auth_codes').where('expires_at', '<', nowIso).execute();
        await transaction
          .insertInto('auth_codes')
          .values({
            code_hash: row.codeHash,
            app_id: BigInt(row.appId),
            callback_url: row.callbackUrl,
            code_challenge: row.codeChallenge,
            code_challenge_method: row.codeChallengeMethod,
            key_name: row.keyName,
            limit_pico: row.limitPico,
            limit_reset: row.limitReset,
            key_expires_at: row.keyExpiresAt,
            workspace_id: row.workspaceId,
            creator_user_id: row.creatorUserId,
            approved_by_key_hash: row.approvedByKeyHash,
            created_at: row.createdAt,
            expires_at: row.expiresAt,
          })
          .execute();
      });
    },
    async take(codeHash) {
      // One DELETE … RETURNING: the row goes to exactly one caller, even across nodes.
      const row = await database
        .deleteFrom('auth_codes')
        .where('code_hash', '=', codeHash)
        .returningAll()
        .executeTakeFirst();
      return row === undefined ? undefined : toAuthCodeRow(row);
    },
  };
}
