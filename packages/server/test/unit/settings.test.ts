import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { DEFAULTS } from '../../src/config/defaults.js';
import { ConfigError, parseConfig } from '../../src/config/load-config.js';
import { defaultNodeId, loadSettings, resolveSettings } from '../../src/config/settings.js';

const URL_A = 'postgres://tollgate:secret-a@db-a:5432/tollgate';
const URL_B = 'postgresql://tollgate:secret-b@db-b/tollgate';

/** The storage settings of `environment` and an optional config document. */
function storageOf(environment: Record<string, string>, document?: unknown) {
  const config = document === undefined ? null : parseConfig(document, {});
  return resolveSettings(environment, config).storage;
}

describe('resolveSettings: storage', () => {
  test('uses SQLite in the data dir when no PostgreSQL URL is set', () => {
    assert.deepEqual(storageOf({}), {
      kind: 'sqlite',
      path: join('data', 'tollgate.db'),
      durability: 'power',
    });
    assert.deepEqual(storageOf({ TOLLGATE_DATA_DIR: '/var/lib/tollgate' }), {
      kind: 'sqlite',
      path: join('/var/lib/tollgate', 'tollgate.db'),
      durability: 'power',
    });
  });

  test('takes the config file’s database_url, interpolated from the environment', () => {
    const config = parseConfig(
      { database_url: `\${PG_URL}`, database_pool_size: 4 },
      { PG_URL: URL_B },
    );
    assert.deepEqual(resolveSettings({}, config).storage, {
      kind: 'postgres',
      url: URL_B,
      poolSize: 4,
      durability: 'power',
      preparedStatements: true,
    });
  });

  test('lets DATABASE_URL and DATABASE_POOL_SIZE win over the config file', () => {
    assert.deepEqual(
      storageOf(
        { DATABASE_URL: URL_A, DATABASE_POOL_SIZE: '25' },
        { database_url: URL_B, database_pool_size: 4 },
      ),
      { kind: 'postgres', url: URL_A, poolSize: 25, durability: 'power', preparedStatements: true },
    );
    assert.deepEqual(storageOf({ DATABASE_URL: URL_A }), {
      kind: 'postgres',
      url: URL_A,
      poolSize: DEFAULTS.postgresPoolSize,
      durability: 'power',
      preparedStatements: DEFAULTS.postgresPreparedStatements,
    });
  });

  test('refuses a non-PostgreSQL URL or a bad pool size without echoing the URL', () => {
    const leaky = 'mysql://root:hunter2@db/x';
    assert.throws(
      () => storageOf({ DATABASE_URL: leaky }),
      (error: unknown) =>
        error instanceof ConfigError &&
        !error.message.includes('hunter2') &&
        /postgres:\/\//.test(error.message),
    );
    assert.throws(
      () => storageOf({ DATABASE_URL: URL_A, DATABASE_POOL_SIZE: '0' }),
      /DATABASE_POOL_SIZE must be an integer from 1 to 1000, got "0"/,
    );
    assert.throws(
      () => parseConfig({ database_url: leaky }, {}),
      /database_url: must be a postgres/,
    );
  });

  test('takes the durability level from TOLLGATE_DURABILITY, else the config file, else power', () => {
    const level = (environment: Record<string, string>, withConfig: boolean) =>
      storageOf(environment, withConfig ? { durability: 'process' } : undefined).durability;
    assert.equal(level({}, false), 'power');
    assert.equal(level({}, true), 'process');
    assert.equal(level({ TOLLGATE_DURABILITY: 'power' }, true), 'power');
    assert.equal(level({ TOLLGATE_DURABILITY: 'process', DATABASE_URL: URL_A }, false), 'process');
    assert.throws(
      () => level({ TOLLGATE_DURABILITY: 'disk' }, false),
      /TOLLGATE_DURABILITY must be one of power, process, got "disk"/,
    );
    assert.throws(() => parseConfig({ durability: 'fsync' }, {}), /durability/);
  });

  test('takes the prepared-statements switch from DATABASE_PREPARED_STATEMENTS, else the config file, else true', () => {
    const prepared = (environment: Record<string, string>, document?: unknown) => {
      const storage = storageOf({ DATABASE_URL: URL_A, ...environment }, document);
      assert.equal(storage.kind, 'postgres');
      return storage.kind === 'postgres' ? storage.preparedStatements : undefined;
    };
    assert.equal(DEFAULTS.postgresPreparedStatements, true);
    assert.equal(prepared({}), true);
    assert.equal(prepared({}, { database_prepared_statements: false }), false);
    assert.equal(prepared({ DATABASE_PREPARED_STATEMENTS: 'false' }), false);
    assert.equal(
      prepared({ DATABASE_PREPARED_STATEMENTS: 'true' }, { database_prepared_statements: false }),
      true,
    );
    assert.equal(
      prepared({ DATABASE_PREPARED_STATEMENTS: 'false' }, { database_prepared_statements: true }),
      false,
    );
    // An empty value counts as unset, as for every variable.
    assert.equal(prepared({ DATABASE_PREPARED_STATEMENTS: '' }), true);
    // A program's own storage option is taken whole, as for the pool size: unset, it defaults.
    const chosen = (option: { preparedStatements?: boolean }) =>
      resolveSettings({ DATABASE_PREPARED_STATEMENTS: 'true' }, null, {
        storage: { kind: 'postgres', url: URL_A, ...option },
      }).storage;
    const expected = { kind: 'postgres', url: URL_A, poolSize: 10, durability: 'power' };
    assert.deepEqual(chosen({ preparedStatements: false }), {
      ...expected,
      preparedStatements: false,
    });
    assert.deepEqual(chosen({}), { ...expected, preparedStatements: true });
  });

  test('refuses a prepared-statements switch that is not true or false', () => {
    for (const value of ['0', 'no', 'TRUE', 'off']) {
      assert.throws(
        () => storageOf({ DATABASE_URL: URL_A, DATABASE_PREPARED_STATEMENTS: value }),
        (error: unknown) =>
          error instanceof ConfigError &&
          error.message ===
            `DATABASE_PREPARED_STATEMENTS must be one of true, false, got "${value}"`,
      );
    }
    assert.throws(
      () => parseConfig({ database_prepared_statements: 'false' }, {}),
      (error: unknown) =>
        error instanceof ConfigError &&
        /database_prepared_statements: must be true or false/.test(error.message),
    );
  });
});

describe('resolveSettings: the process and its limits', () => {
  test('defaults every setting when nothing is set', () => {
    const settings = resolveSettings({}, null);
    assert.equal(settings.port, 8080);
    assert.equal(settings.host, '127.0.0.1');
    assert.equal(settings.logLevel, 'info');
    assert.equal(settings.dataDir, './data');
    assert.equal(settings.adminKey, null);
    assert.equal(settings.drainTimeoutMs, 30_000);
    assert.equal(settings.nodeId, defaultNodeId(settings.storage));
    assert.equal(settings.redis, null);
    assert.deepEqual(settings.inflight, {
      checkpointIntervalMs: 1000,
      nodeLeaseMs: 30_000,
      lookupWaitMs: 2000,
    });
    assert.deepEqual(settings.admission, { maxConcurrent: 1024, maxQueue: 4096 });
    assert.deepEqual(settings.http, {
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      maxConnectionsPerAddress: 1024,
    });
    assert.equal(settings.dataRegion, 'global');
    assert.equal(settings.storeContent, false);
    assert.equal(settings.retentionDays, null);
    assert.equal(settings.defaultRateLimit, null);
    assert.equal(settings.corsOrigins, null);
    assert.deepEqual(settings.oauthCallbackOrigins, []);
    assert.deepEqual(settings.metrics, { enabled: true, token: null });
  });

  test('reads the process variables, an empty one counting as unset', () => {
    const settings = resolveSettings(
      {
        PORT: '0',
        HOST: '',
        LOG_LEVEL: 'debug',
        TOLLGATE_ADMIN_KEY: 'sk-or-v1-admin',
        TOLLGATE_DRAIN_TIMEOUT_MS: '200',
        TOLLGATE_NODE_ID: 'node-a',
      },
      null,
    );
    assert.equal(settings.port, 0);
    assert.equal(settings.host, '127.0.0.1');
    assert.equal(settings.logLevel, 'debug');
    assert.equal(settings.adminKey, 'sk-or-v1-admin');
    assert.equal(settings.drainTimeoutMs, 200);
    assert.equal(settings.nodeId, 'node-a');
  });

  test('names the variable and the value of a bad setting', () => {
    for (const [environment, message] of [
      [{ PORT: '65536' }, 'PORT must be an integer from 0 to 65535, got "65536"'],
      [{ PORT: 'http' }, 'PORT must be an integer from 0 to 65535, got "http"'],
      [
        { TOLLGATE_DRAIN_TIMEOUT_MS: '-1' },
        'TOLLGATE_DRAIN_TIMEOUT_MS must be a non-negative integer, got "-1"',
      ],
      [
        { TOLLGATE_NODE_LEASE_MS: '100' },
        'TOLLGATE_NODE_LEASE_MS must be an integer from 300 to 86400000, got "100"',
      ],
      [
        { TOLLGATE_CHECKPOINT_INTERVAL_MS: '1.5' },
        'TOLLGATE_CHECKPOINT_INTERVAL_MS must be an integer from 0 to 3600000, got "1.5"',
      ],
      [{ REDIS_URL: 'http://user:pw@redis' }, 'REDIS_URL must be a redis:// or rediss:// URL'],
      [
        { LOG_LEVEL: 'verbose' },
        'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "verbose"',
      ],
    ] as const) {
      assert.throws(
        () => resolveSettings(environment, null),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError, String(error));
          assert.equal(error.message, message);
          return true;
        },
      );
    }
  });

  test('lets TOLLGATE_*_MS win over the config’s inflight, key by key', () => {
    const config = parseConfig({ inflight: { node_lease_ms: 5000, lookup_wait_ms: 0 } }, {});
    assert.deepEqual(resolveSettings({ TOLLGATE_NODE_LEASE_MS: '300' }, config).inflight, {
      checkpointIntervalMs: 1000,
      nodeLeaseMs: 300,
      lookupWaitMs: 0,
    });
  });

  test('lets REDIS_URL win over redis_url, keeping the config’s prefix and failure mode', () => {
    const config = parseConfig(
      { redis_url: 'redis://config:6379', redis_key_prefix: 'tg:', redis_failure: 'open' },
      {},
    );
    assert.deepEqual(resolveSettings({}, config).redis, {
      url: 'redis://config:6379',
      keyPrefix: 'tg:',
      failure: 'open',
    });
    assert.deepEqual(resolveSettings({ REDIS_URL: 'rediss://env:6380' }, null).redis, {
      url: 'rediss://env:6380',
      keyPrefix: 'tollgate:',
      failure: 'closed',
    });
  });

  test('takes the config file’s limits, and lets a program’s options win over everything', () => {
    const config = parseConfig(
      {
        max_concurrent_requests: 8,
        http: { request_timeout_ms: 5000, headers_timeout_ms: 1000 },
        rate_limit: { requests: 10, interval_seconds: 60 },
        store_content: true,
      },
      {},
    );
    const settings = resolveSettings({ PORT: '9000', TOLLGATE_NODE_ID: 'env-node' }, config, {
      port: 0,
      storage: { kind: 'postgres', url: URL_A },
    });
    assert.deepEqual(settings.admission, { maxConcurrent: 8, maxQueue: 4096 });
    assert.deepEqual(settings.http, {
      headersTimeoutMs: 1000,
      requestTimeoutMs: 5000,
      maxConnectionsPerAddress: 1024,
    });
    assert.deepEqual(settings.defaultRateLimit, { requests: 10, intervalSeconds: 60 });
    assert.equal(settings.storeContent, true);
    assert.equal(settings.port, 0);
    assert.equal(settings.nodeId, 'env-node');
    assert.deepEqual(settings.storage, {
      kind: 'postgres',
      url: URL_A,
      poolSize: 10,
      durability: 'power',
      preparedStatements: true,
    });
    // Without TOLLGATE_NODE_ID, the node id follows the storage the program chose.
    const chosen = resolveSettings({}, null, { storage: { kind: 'postgres', url: URL_A } });
    assert.equal(chosen.nodeId, defaultNodeId({ kind: 'postgres', url: URL_A }));
  });
});

describe('loadSettings', () => {
  test('reads the config file TOLLGATE_CONFIG names, with its variables interpolated', async (t) => {
    const directory = await mkdtemp(join(tmpdir(), 'tollgate-settings-'));
    t.after(() => rm(directory, { recursive: true, force: true }));
    const path = join(directory, 'tollgate.yaml');
    await writeFile(path, `redis_url: \${SHARED_REDIS}\nmax_queue: 7\n`);
    const settings = await loadSettings({
      TOLLGATE_CONFIG: path,
      SHARED_REDIS: 'redis://shared:6379',
    });
    assert.equal(settings.configPath, path);
    assert.equal(settings.config?.max_queue, 7);
    assert.equal(settings.redis?.url, 'redis://shared:6379');
    assert.equal(settings.admission.maxQueue, 7);
  });

  test('checks the environment before reading the config file', async () => {
    await assert.rejects(
      loadSettings({ TOLLGATE_CONFIG: '/nonexistent/tollgate.yaml', PORT: '-1' }),
      /PORT must be an integer from 0 to 65535, got "-1"/,
    );
    await assert.rejects(
      loadSettings({ TOLLGATE_CONFIG: '/nonexistent/tollgate.yaml' }),
      /cannot read config file \/nonexistent\/tollgate.yaml/,
    );
  });
});

describe('the list of environment variables', () => {
  const source = readFileSync(new URL('../../src/config/settings.ts', import.meta.url), 'utf8');
  const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');
  const sorted = (names: Iterable<string>) => [...new Set(names)].sort();

  test('is the same in the code, in resolveSettings’ table and in the README', () => {
    // Every variable name settings.ts passes as a string literal is one it reads.
    const read = sorted(
      [...source.matchAll(/'([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)'/g)].map((m) => m[1] ?? ''),
    );
    const documented = sorted(
      [...source.matchAll(/^ \* \| `([A-Z_]+)`/gm)].map((match) => match[1] ?? ''),
    );
    const table = readme.slice(readme.indexOf('| Environment variable |'));
    const listed = sorted(
      [...table.slice(0, table.indexOf('\n\n')).matchAll(/^\| `([A-Z_]+)`/gm)].map(
        (match) => match[1] ?? '',
      ),
    );
    assert.ok(read.includes('TOLLGATE_DRAIN_TIMEOUT_MS') && read.length >= 15, read.join());
    assert.deepEqual(documented, read);
    assert.deepEqual(listed, read);
  });
});
