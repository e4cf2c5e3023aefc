import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError, parseConfig } from '../../src/config/load-config.js';
import { resolveStorageConfig } from '../../src/storage/resolve-storage-config.js';

const URL_A = 'postgres://tollgate:secret-a@db-a:5432/tollgate';
const URL_B = 'postgresql://tollgate:secret-b@db-b/tollgate';

describe('resolveStorageConfig', () => {
  test('uses SQLite in the data dir when no PostgreSQL URL is set', () => {
    assert.deepEqual(resolveStorageConfig({ environment: {}, dataDir: 'data' }), {
      kind: 'sqlite',
      path: join('data', 'tollgate.db'),
      durability: 'power',
    });
  });

  test('takes the config file’s database_url, interpolated from the environment', () => {
    const config = parseConfig(
      { database_url: `\${PG_URL}`, database_pool_size: 4 },
      { PG_URL: URL_B },
    );
    assert.deepEqual(resolveStorageConfig({ environment: {}, config, dataDir: 'data' }), {
      kind: 'postgres',
      url: URL_B,
      poolSize: 4,
      durability: 'power',
    });
  });

  test('lets DATABASE_URL and DATABASE_POOL_SIZE win over the config file', () => {
    const config = parseConfig({ database_url: URL_B, database_pool_size: 4 }, {});
    assert.deepEqual(
      resolveStorageConfig({
        environment: { DATABASE_URL: URL_A, DATABASE_POOL_SIZE: '25' },
        config,
        dataDir: 'data',
      }),
      { kind: 'postgres', url: URL_A, poolSize: 25, durability: 'power' },
    );
  });

  test('refuses a non-PostgreSQL URL or a bad pool size without echoing the URL', () => {
    const leaky = 'mysql://root:hunter2@db/x';
    assert.throws(
      () => resolveStorageConfig({ environment: { DATABASE_URL: leaky }, dataDir: 'data' }),
      (error: unknown) =>
        error instanceof ConfigError &&
        !error.message.includes('hunter2') &&
        /postgres:\/\//.test(error.message),
    );
    assert.throws(
      () =>
        resolveStorageConfig({
          environment: { DATABASE_URL: URL_A, DATABASE_POOL_SIZE: '0' },
          dataDir: 'data',
        }),
      /DATABASE_POOL_SIZE must be an integer from 1 to 1000, got "0"/,
    );
    assert.throws(
      () => parseConfig({ database_url: leaky }, {}),
      /database_url: must be a postgres/,
    );
  });

  test('takes the durability level from TOLLGATE_DURABILITY, else the config file, else power', () => {
    const config = parseConfig({ durability: 'process' }, {});
    const level = (environment: Record<string, string>, withConfig: boolean) =>
      resolveStorageConfig({ environment, dataDir: 'data', ...(withConfig ? { config } : {}) })
        .durability;
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
});
