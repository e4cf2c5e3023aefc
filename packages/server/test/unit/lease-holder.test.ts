import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { pino } from 'pino';
import {
  formatHolder,
  holderLiveness,
  type LeaseHolder,
  LOCAL_PROCESSES,
  newLeaseHolder,
  type ProcessTable,
  parseHolder,
} from '../../src/ledger/lease-holder.js';
import { NodeIdInUseError, NodeLeases } from '../../src/ledger/node-leases.js';
import { createStorage } from '../../src/storage/create-storage.js';
import type { Storage } from '../../src/storage/storage.js';

const logger = pino({ level: 'silent' });

/** A host `host` where the processes of `running` (pid → start time) run. */
function processTable(host: string, running: Record<number, string>, proc = true): ProcessTable {
  return {
    host,
    scope: proc ? 'boot-1 pid:[1]' : null,
    startOf: (pid) => (proc ? (running[pid] ?? null) : undefined),
    exists: (pid) => running[pid] !== undefined,
  };
}

const holder = (
  host: string,
  pid: number,
  start: string | null,
  scope: string | null = start === null ? null : 'boot-1 pid:[1]',
): LeaseHolder => ({
  host,
  scope,
  pid,
  start,
  token: 'abc',
});

test('a holder on this host is alive only while its pid runs with its start time', () => {
  const here = processTable('h1', { 10: '500', 11: '900' });
  assert.equal(holderLiveness(holder('h1', 10, '500'), here), 'alive');
  assert.equal(holderLiveness(holder('h1', 11, '500'), here), 'dead', 'the pid was reused');
  assert.equal(holderLiveness(holder('h1', 12, '500'), here), 'dead', 'no such process');
  assert.equal(holderLiveness(holder('h2', 10, '500'), here), 'unknown', 'another host');
  // The same host name in another pid namespace or boot: its pid means nothing here.
  assert.equal(holderLiveness(holder('h1', 12, '500', 'boot-1 pid:[2]'), here), 'unknown');
  assert.equal(holderLiveness(holder('h1', 12, '500', 'boot-2 pid:[1]'), here), 'unknown');
  // Without /proc: a running pid may be another process, a missing one is dead.
  const noProc = processTable('h1', { 10: '500' }, false);
  assert.equal(holderLiveness(holder('h1', 10, '500', null), noProc), 'unknown');
  assert.equal(holderLiveness(holder('h1', 12, null), noProc), 'dead');
});

test('this machine’s process table knows this process and no unused pid', () => {
  const start = LOCAL_PROCESSES.startOf(process.pid);
  assert.match(String(start), /^\d+$/);
  assert.match(String(LOCAL_PROCESSES.scope), /^[0-9a-f-]{36} pid:\[\d+\]$/);
  assert.equal(holderLiveness(newLeaseHolder(), LOCAL_PROCESSES), 'alive');
  // Above the kernel's pid_max (at most 2^22), so never a running process.
  assert.equal(LOCAL_PROCESSES.startOf(2 ** 23), null);
  assert.equal(LOCAL_PROCESSES.exists(2 ** 23), false);
});

test('a stored holder reads back; anything else is no holder', () => {
  const written = holder('h1', 10, '500');
  assert.deepEqual(parseHolder(formatHolder(written)), written);
  for (const text of ['', 'null', '{}', '{"host":"h","pid":"1","start":null,"token":"t"}', '[']) {
    assert.equal(parseHolder(text), null, text);
  }
});

async function sqliteStorage(t: TestContext): Promise<Storage> {
  const dataDir = await mkdtemp(join(tmpdir(), 'tollgate-lease-'));
  const storage = await createStorage({ kind: 'sqlite', path: join(dataDir, 'tollgate.db') });
  t.after(async () => {
    await storage.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  return storage;
}

function leasesOf(
  storage: Storage,
  self: LeaseHolder,
  processes: ProcessTable,
  now: () => number = Date.now,
): NodeLeases {
  return new NodeLeases({
    storage,
    nodeId: 'node',
    leaseMs: 30_000,
    now,
    logger,
    onRecovered: () => undefined,
    holder: self,
    processes,
  });
}

test('a start under a node id that a running process on this host holds is refused', async (t) => {
  const storage = await sqliteStorage(t);
  const processes = processTable('h1', { 10: '500', 20: '700' });
  const first = holder('h1', 10, '500');
  await storage.nodeLeases.hold('node', formatHolder(first), Date.now(), Date.now() + 30_000);
  await assert.rejects(
    leasesOf(storage, holder('h1', 20, '700'), processes).acquire(),
    (error: Error) =>
      error instanceof NodeIdInUseError &&
      /node id "node" is in use by process 10 on host h1/.test(error.message),
  );
  assert.deepEqual(
    parseHolder((await storage.nodeLeases.hold('node', 'probe', Date.now(), 0))?.holder ?? 'none'),
    first,
    'the lease stays the running holder’s',
  );
});

test('a lease whose holder on this host no longer runs is taken over at once', async (t) => {
  const storage = await sqliteStorage(t);
  // The holder (pid 10, started at 500) died; pid 10 now runs another process.
  const processes = processTable('h1', { 10: '999', 20: '700' });
  const dead = formatHolder(holder('h1', 10, '500'));
  await storage.nodeLeases.hold('node', dead, Date.now(), Date.now() + 3_600_000);
  const self = holder('h1', 20, '700');
  await leasesOf(storage, self, processes).acquire();
  const standing = await storage.nodeLeases.hold('node', 'probe', Date.now(), 0);
  assert.deepEqual(parseHolder(standing?.holder ?? 'none'), self);
});

test('a holder on another host is taken over once its lease ran out unrenewed, else refused', async (t) => {
  const storage = await sqliteStorage(t);
  const processes = processTable('h1', { 20: '700' });
  const remote = formatHolder(holder('h2', 10, '500'));
  const start = Date.now();
  await storage.nodeLeases.hold('node', remote, start, start + 60_000);
  // The clock moves past the remote lease after the first look: the wait is over at once.
  let reads = 0;
  const clock = () => (reads++ === 0 ? start : start + 120_000);
  const self = holder('h1', 20, '700');
  await leasesOf(storage, self, processes, clock).acquire();
  assert.deepEqual(
    parseHolder((await storage.nodeLeases.hold('node', 'probe', start, 0))?.holder ?? 'none'),
    self,
  );

  // The remote holder renews its lease meanwhile: it runs, so the start is refused.
  await storage.nodeLeases.renew('node', 0);
  await storage.nodeLeases.hold('node', remote, start, start + 60_000);
  reads = 0;
  const renewing: Storage = {
    ...storage,
    nodeLeases: {
      ...storage.nodeLeases,
      async hold(nodeId, holderText, nowMs, expiresAtMs, replacing) {
        if (holderText !== remote && nowMs > start) {
          await storage.nodeLeases.hold(nodeId, remote, nowMs, nowMs + 60_000);
        }
        return storage.nodeLeases.hold(nodeId, holderText, nowMs, expiresAtMs, replacing);
      },
    },
  };
  await assert.rejects(
    leasesOf(renewing, self, processes, clock).acquire(),
    /node id "node" is in use by process 10 on host h2/,
  );
});
