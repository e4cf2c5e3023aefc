import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { type Logger, pino } from 'pino';
import { ApiKeyAuthenticator, ensureBootstrapKey } from './accounts/api-keys.js';
import { MemoryRateLimiter } from './accounts/rate-limiter.js';
import { SpendGuard } from './accounts/spend-guard.js';
import { createApp } from './app.js';
import type { ConfigFile } from './config/config-schema.js';
import { loadConfigFile, parseConfig } from './config/load-config.js';
import type { GatewayContext } from './gateway-context.js';
import { createTokenCounter, type TokenCounter } from './ledger/count-tokens.js';
import { toRecordTimestamp } from './ledger/ids.js';
import { Ledger } from './ledger/ledger.js';
import { DEMO_MODEL_DESCRIPTION, startDemoUpstream } from './providers/demo/demo-upstream.js';
import { EndpointStats } from './routing/endpoint-stats.js';
import { ModelCatalog } from './routing/model-catalog.js';
import { createStorage, type StorageConfig } from './storage/create-storage.js';

/** How to start a gateway (every field optional; defaults are the embedded ones). */
export interface GatewayOptions {
  port?: number;
  host?: string;
  /** Directory of the SQLite file (`tollgate.db`); default `./data`. */
  dataDir?: string;
  /** Explicit storage; overrides `dataDir`. */
  storage?: StorageConfig;
  /** A config already loaded; otherwise `configPath`; otherwise the built-in demo. */
  config?: ConfigFile;
  configPath?: string;
  /** Environment for `${VAR}` interpolation in the config. */
  environment?: Readonly<Record<string, string | undefined>>;
  /** The bootstrap management key (TOLLGATE_ADMIN_KEY). */
  adminKey?: string;
  logger?: Logger;
  /** Normalized token counting in a worker thread (default on). */
  countTokens?: boolean;
  bodyLimit?: number;
  now?: () => number;
  /** On close, how long in-flight requests may take to finish before connections are cut. */
  drainTimeoutMs?: number;
}

/** A listening gateway. */
export interface RunningGateway {
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  url: string;
  app: FastifyInstance;
  context: GatewayContext;
  /** The management key generated at first start (print it once), or null. */
  bootstrapKey: string | null;
  /** Whether the built-in demo upstream serves `tollgate/demo`. */
  demo: boolean;
  /** Stops accepting, lets in-flight requests finish, flushes the ledger, releases everything. */
  close(): Promise<void>;
}

/** The slug of the built-in demo model. */
export const DEMO_MODEL_ID = 'tollgate/demo';

function demoConfig(baseUrl: string): ConfigFile {
  return parseConfig(
    {
      providers: [{ name: 'Tollgate Demo', kind: 'openai', base_url: baseUrl }],
      models: [
        {
          id: DEMO_MODEL_ID,
          name: 'Tollgate Demo (offline simulator)',
          description: DEMO_MODEL_DESCRIPTION,
          context_length: 8192,
          max_completion_tokens: 1024,
          endpoints: [
            {
              provider: 'Tollgate Demo',
              model: 'demo-1',
              pricing: { prompt: '0.000001', completion: '0.000002' },
            },
          ],
        },
      ],
    },
    {},
    'built-in demo config',
  );
}

/** Starts a gateway: storage, catalog, ledger, HTTP server. */
export async function startGateway(options: GatewayOptions = {}): Promise<RunningGateway> {
  const logger = options.logger ?? pino({ level: 'silent' });
  const now = options.now ?? Date.now;
  const environment = options.environment ?? {};
  const cleanups: Array<() => Promise<void>> = [];
  try {
    let config = options.config;
    if (config === undefined && options.configPath !== undefined) {
      config = await loadConfigFile(options.configPath, environment);
    }
    let demo = false;
    if (config === undefined) {
      const upstream = await startDemoUpstream();
      cleanups.push(() => upstream.close());
      config = demoConfig(upstream.url);
      demo = true;
    }
    const storage = await createStorage(
      options.storage ?? { kind: 'sqlite', path: join(options.dataDir ?? 'data', 'tollgate.db') },
    );
    cleanups.push(() => storage.close());
    const bootstrap = await ensureBootstrapKey(
      storage.apiKeys,
      options.adminKey,
      toRecordTimestamp(now()),
    );
    let counter: TokenCounter | null = null;
    if (options.countTokens !== false) {
      const tokenCounter = createTokenCounter();
      counter = tokenCounter;
      cleanups.push(() => tokenCounter.close());
      await tokenCounter.ready();
    }
    const catalog = ModelCatalog.fromConfig(config);
    cleanups.push(() => catalog.close());
    const ledger = new Ledger(storage.generations, counter, logger);
    const spendGuard = new SpendGuard(storage, { now });
    await spendGuard.refreshCredits();
    // Grants made by another process (the `credits add` CLI) take effect within two seconds.
    const creditRefresh = setInterval(() => {
      spendGuard.refreshCredits().catch((error: unknown) => {
        logger.warn({ err: error }, 'credit refresh failed');
      });
    }, 2000);
    creditRefresh.unref();
    cleanups.push(async () => clearInterval(creditRefresh));
    const context: GatewayContext = {
      spendGuard,
      endpointStats: new EndpointStats(now),
      rateLimiter: new MemoryRateLimiter(),
      defaultRateLimit:
        config.rate_limit === undefined
          ? null
          : {
              requests: config.rate_limit.requests,
              intervalSeconds: config.rate_limit.interval_seconds,
            },
      storage,
      catalog,
      ledger,
      authenticator: new ApiKeyAuthenticator(storage.apiKeys, now),
      logger,
      dataRegion: config.data_region,
      now,
    };
    const app = createApp(context, { bodyLimit: options.bodyLimit });
    await app.listen({ port: options.port ?? 8080, host: options.host ?? '127.0.0.1' });
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : options.port;
    const host = options.host ?? '127.0.0.1';
    const urlHost = host.includes(':') ? `[${host}]` : host;
    let closing: Promise<void> | null = null;
    return {
      url: `http://${urlHost}:${port}`,
      app,
      context,
      bootstrapKey: bootstrap.generatedKey,
      demo,
      close() {
        closing ??= (async () => {
          // Connections that finish a response from now on close instead of idling for the
          // keep-alive timeout; whatever is still running after the drain limit is cut.
          app.server.keepAliveTimeout = 1;
          const drainLimit = setTimeout(
            () => app.server.closeAllConnections(),
            options.drainTimeoutMs ?? 30_000,
          );
          drainLimit.unref();
          await app.close();
          clearTimeout(drainLimit);
          await ledger.flush();
          for (const cleanup of cleanups.reverse()) await cleanup();
        })();
        return closing;
      },
    };
  } catch (error) {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    throw error;
  }
}
