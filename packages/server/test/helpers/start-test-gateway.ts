import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { Logger } from 'pino';
import { generateKey } from '../../src/accounts/api-keys.js';
import type { ConfigFile } from '../../src/config/config-schema.js';
import { parseConfig } from '../../src/config/load-config.js';
import { createTokenCounter, type TokenCounter } from '../../src/ledger/count-tokens.js';
import { type RunningGateway, startGateway } from '../../src/start-gateway.js';
import { type FakeUpstream, startFakeUpstream } from './fake-upstream.js';
import { createFreshPostgresDatabase } from './fresh-postgres-database.js';

/** A gateway on 127.0.0.1:0 with a fresh SQLite file, plus a fake upstream it routes to. */
export interface TestGateway {
  gateway: RunningGateway;
  upstream: FakeUpstream;
  /** `http://127.0.0.1:PORT/api/v1` */
  apiUrl: string;
  /** The bootstrap management key. */
  key: string;
  dataDir: string;
  /** The PostgreSQL database's URL under TEST_STORAGE=postgres, else null (SQLite in `dataDir`). */
  postgresUrl: string | null;
  close(): Promise<void>;
}

/** Options of {@link startTestGateway}. */
export interface TestGatewayOptions {
  /** Builds the config from the fake upstream's URL; default: model `test/model` on it. */
  config?: (upstreamUrl: string) => unknown;
  /** Use the built-in demo instead of a fake upstream. */
  demo?: boolean;
  countTokens?: boolean;
  /** The gateway's token counter (default: {@link testTokenCounter}); not closed with it. */
  tokenCounter?: TokenCounter;
  bodyLimit?: number;
  /** Wall clock for the gateway (ms since epoch). */
  now?: () => number;
  /** The bootstrap management key (default: a fresh one), e.g. to name its hash in the config. */
  adminKey?: string;
  /** Storage backend (default: PostgreSQL under TEST_STORAGE=postgres, else SQLite). */
  storage?: 'sqlite' | 'postgres';
  /** Where the gateway logs (default: nowhere), e.g. a captured logger. */
  logger?: Logger;
}

/** The default test model: one OpenAI-compatible endpoint on the fake upstream. */
export function defaultTestConfig(upstreamUrl: string, timeoutMs = 10_000): unknown {
  return {
    providers: [
      {
        name: 'Acme',
        kind: 'openai',
        base_url: `${upstreamUrl}/v1`,
        api_key: 'sk-upstream-secret',
        timeout_ms: timeoutMs,
      },
    ],
    models: [
      {
        id: 'test/model',
        name: 'Test Model',
        endpoints: [
          {
            provider: 'Acme',
            model: 'upstream-model-1',
            pricing: {
              prompt: '0.000001',
              completion: '0.000002',
              input_cache_read: '0.0000001',
              internal_reasoning: '0.000003',
            },
          },
        ],
      },
    ],
  };
}

let sharedTokenCounter: TokenCounter | undefined;

/**
 * One token counter for every test gateway of this process: loading the tokenizer in a fresh
 * worker for each gateway was a large share of the suite's CPU time. Its worker is unreferenced
 * when idle, so it never keeps the test process alive.
 */
export function testTokenCounter(): TokenCounter {
  sharedTokenCounter ??= createTokenCounter();
  return sharedTokenCounter;
}

/** Starts a fake upstream and a gateway; `close()` stops both and deletes the data. */
export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const upstream = await startFakeUpstream();
  const dataDir = await mkdtemp(join(tmpdir(), 'tollgate-test-'));
  // TEST_STORAGE=postgres: the same tests on a fresh PostgreSQL database (TEST_DATABASE_URL's server).
  const backend =
    options.storage ?? (process.env['TEST_STORAGE'] === 'postgres' ? 'postgres' : 'sqlite');
  const postgres = backend === 'postgres' ? await createFreshPostgresDatabase() : null;
  const key = options.adminKey ?? generateKey();
  const config: ConfigFile | undefined = options.demo
    ? undefined
    : parseConfig((options.config ?? defaultTestConfig)(upstream.url), {}, 'test config');
  const gateway = await startGateway({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    ...(postgres === null ? {} : { storage: { kind: 'postgres', url: postgres.url } }),
    adminKey: key,
    ...(options.countTokens === false
      ? { countTokens: false }
      : { tokenCounter: options.tokenCounter ?? testTokenCounter() }),
    ...(config === undefined ? {} : { config }),
    ...(options.bodyLimit === undefined ? {} : { bodyLimit: options.bodyLimit }),
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  return {
    gateway,
    upstream,
    apiUrl: `${gateway.url}/api/v1`,
    key,
    dataDir,
    postgresUrl: postgres?.url ?? null,
    async close() {
      await gateway.close();
      await upstream.close();
      await rm(dataDir, { recursive: true, force: true });
      await postgres?.drop();
    },
  };
}

/** {@link startTestGateway} for one test: closed, its data deleted, when `t` ends. */
export async function startTestGatewayFor(
  t: TestContext,
  options: TestGatewayOptions = {},
): Promise<TestGateway> {
  const harness = await startTestGateway(options);
  t.after(() => harness.close());
  return harness;
}
