import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './0001-initial.js';
import * as accounts from './0002-accounts.js';
import * as inflight from './0003-inflight.js';
import * as usageRollups from './0004-usage-rollups.js';
import * as nodeLeases from './0006-node-leases.js';
import * as authCodes from './0007-auth-codes.js';
import * as activity from './0008-activity.js';
import * as bootstrapKeys from './0009-bootstrap-keys.js';
import * as generationsKeyModel from './0010-generations-key-model.js';
import * as recordLz4 from './0011-record-lz4.js';
import * as leaseHolder from './0012-lease-holder.js';

/** All migrations, in order. Names sort lexically; never rename or edit a shipped one. */
const MIGRATIONS: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-accounts': accounts,
  '0003-inflight': inflight,
  '0004-usage-rollups': usageRollups,
  '0006-node-leases': nodeLeases,
  '0007-auth-codes': authCodes,
  '0008-activity': activity,
  '0009-bootstrap-keys': bootstrapKeys,
  '0010-generations-key-model': generationsKeyModel,
  '0011-record-lz4': recordLz4,
  '0012-lease-holder': leaseHolder,
};

/** Provides the migrations from code (no filesystem scan, so the bundle is self-contained). */
export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
