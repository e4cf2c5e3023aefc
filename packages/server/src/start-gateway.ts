import type { FastifyInstance } from 'fastify';
import { type Logger, pino } from 'pino';
import { ApiKeyAuthenticator, ensureBootstrapKey } from './accounts/api-keys.js';
import { createLimits } from './accounts/create-limits.js';
import { createApp } from './app.js';
import type { ConfigFile } from './config/config-schema.js';
import { loadConfigFile, parseConfig } from './config/load-config.js';
import type { GatewayContext } from './gateway-context.js';
import { Admission, DEFAULT_ADMISSION_LIMITS } from './http/admission.js';
import { DEFAULT_HTTP_LIMITS } from './http/http-server.js';
import { createTokenCounter, type TokenCounter } from './ledger/count-tokens.js';
import { toRecordTimestamp } from './ledger/ids.js';
import { defaultNodeId, InflightJournal } from './ledger/inflight-journal.js';
import { resolveInflightSettings } from './ledger/inflight-settings.js';
import { Ledger } from './ledger/ledger.js';
import { NodeLeases } from './ledger/node-leases.js';
import { type RecoveryResult, recoverInflight } from './ledger/recover-inflight.js';
import { GatewayMetrics } from './ops/metrics.js';
import { observeBatches } from './ops/observe-ledger.js';
import { createReadinessCheck } from './ops/readiness.js';
import { DEMO_MODEL_DESCRIPTION, startDemoUpstream } from './providers/demo/demo-upstream.js';
import { EndpointStats } from './routing/endpoint-stats.js';
import { ModelCatalog } from './routing/model-catalog.js';
import { createStorage, type StorageConfig } from './storage/create-storage.js';
import { resolveStorageConfig } from './storage/resolve-storage-config.js';
import { startRetention } from './storage/retention-job.js';

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
  /**
   * Where access-log lines go (default `logger`). Their fields are fixed and never secret, so
   * main.ts gives them a logger without redaction, which costs a walk of every line.
   */
  accessLogger?: Logger;
  /** Normalized token counting in a worker thread (default on). */
  countTokens?: boolean;
  /**
   * A token counter to use instead of starting one (tests share one per process: loading the
   * tokenizer costs about 0.4 s of CPU). The gateway awaits its `ready()` and never closes it.
   */
  tokenCounter?: TokenCounter;
  bodyLimit?: number;
  now?: () => number;
  /** On close, how long in-flight requests may take to finish before connections are cut. */
  drainTimeoutMs?: number;
  /**
   * This node's id (TOLLGATE_NODE_ID): it owns the in-flight journal rows it writes and recovers
   * them at start. Default: host name + a digest of the storage location.
   */
  nodeId?: string;
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
    // DATABASE_URL (env, then the config's database_url) selects PostgreSQL; else SQLite.
    const storageConfig: StorageConfig =
      options.storage ??
      resolveStorageConfig({ environment, config, dataDir: options.dataDir ?? 'data' });
    const storage = await createStorage(storageConfig);
    cleanups.push(() => storage.close());
    // Before serving: streams a crash cut short get their records (cancelled) first.
    const nodeId = options.nodeId ?? defaultNodeId(storageConfig);
    const inflightSettings = resolveInflightSettings(environment, config.inflight);
    // The lease first (a survivor then stops claiming this node), then this node's own rows.
    let onRecovered: (result: RecoveryResult) => void = () => undefined;
    const leases = new NodeLeases({
      storage,
      nodeId,
      leaseMs: inflightSettings.nodeLeaseMs,
      now,
      logger,
      onRecovered: (result) => onRecovered(result),
    });
    await leases.acquire();
    const recovery = await recoverInflight(storage, nodeId, logger);
    const journal = new InflightJournal(storage.inflight, nodeId, {
      checkpointIntervalMs: inflightSettings.checkpointIntervalMs,
      onCheckpointError: (error) => logger.warn({ err: error }, 'in-flight checkpoint failed'),
    });
    const bootstrap = await ensureBootstrapKey(
      storage.apiKeys,
      options.adminKey,
      toRecordTimestamp(now()),
    );
    for (const revoked of bootstrap.revoked) {
      // The label and hash identify the key; its secret was never stored.
      logger.warn(
        { key_hash: revoked.hash, key_label: revoked.label },
        'revoked the previous bootstrap management key: TOLLGATE_ADMIN_KEY holds another value',
      );
    }
    let counter: TokenCounter | null = null;
    if (options.tokenCounter !== undefined) {
      counter = options.tokenCounter;
      await counter.ready();
    } else if (options.countTokens !== false) {
      const tokenCounter = createTokenCounter();
      counter = tokenCounter;
      cleanups.push(() => tokenCounter.close());
      await tokenCounter.ready();
    }
    const catalog = ModelCatalog.fromConfig(config);
    cleanups.push(() => catalog.close());
    let ledgerQueue = () => 0;
    const metrics = new GatewayMetrics({ ledgerQueueDepth: () => ledgerQueue() });
    cleanups.push(async () => metrics.close());
    const generations = observeBatches(storage.generations, (size) => metrics.ledgerBatch(size));
    const ledger = new Ledger(generations, counter, logger);
    ledgerQueue = () => ledger.pendingCommits;
    ledger.onCommitted((row, facts) => metrics.generationCommitted(row, facts));
    // REDIS_URL (env, then the config's redis_url): limits shared across nodes; else in memory.
    const limits = await createLimits({
      storage,
      config,
      environment,
      logger,
      now,
      onRedisError: () => metrics.redisError(),
    });
    cleanups.push(() => limits.close());
    const { spendGuard } = limits;
    spendGuard.recordRecovered(recovery.charges);
    // Rows of dead nodes recovered here count in the shared spend counters like our own.
    onRecovered = (result) => spendGuard.recordRecovered(result.charges);
    leases.start();
    cleanups.push(() => leases.close());
    await spendGuard.refreshCredits();
    // Grants made by another process (the `credits add` CLI) take effect within two seconds.
    const creditRefresh = setInterval(() => {
      spendGuard.refreshCredits().catch((error: unknown) => {
        logger.warn({ err: error }, 'credit refresh failed');
      });
    }, 2000);
    creditRefresh.unref();
    cleanups.push(async () => clearInterval(creditRefresh));
    const retentionDays = config.retention_days;
    if (retentionDays !== undefined && retentionDays !== null) {
      const retention = startRetention({
        retention: storage.retention,
        retentionDays,
        now,
        logger,
      });
      cleanups.push(() => retention.stop());
    }
    const context: GatewayContext = {
      spendGuard,
      endpointStats: new EndpointStats(now),
      rateLimiter: limits.rateLimiter,
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
      journal,
      inflightLookup: {
        generations: storage.generations,
        inflight: storage.inflight,
        leases,
        nodeId,
        waitMs: inflightSettings.lookupWaitMs,
      },
      authenticator: new ApiKeyAuthenticator(storage.apiKeys, now),
      logger,
      dataRegion: config.data_region,
      storeContent: config.store_content ?? false,
      now,
      admission: new Admission({
        maxConcurrent: config.max_concurrent_requests ?? DEFAULT_ADMISSION_LIMITS.maxConcurrent,
        maxQueue: config.max_queue ?? DEFAULT_ADMISSION_LIMITS.maxQueue,
      }),
    };
    const app = createApp(context, {
      bodyLimit: options.bodyLimit,
      corsOrigins: config.cors_origins,
      oauthCallbackOrigins: config.oauth_callback_origins,
      httpLimits: {
        headersTimeoutMs: config.http?.headers_timeout_ms ?? DEFAULT_HTTP_LIMITS.headersTimeoutMs,
        requestTimeoutMs: config.http?.request_timeout_ms ?? DEFAULT_HTTP_LIMITS.requestTimeoutMs,
        maxConnectionsPerAddress:
          config.http?.max_connections_per_address ?? DEFAULT_HTTP_LIMITS.maxConnectionsPerAddress,
      },
      operations: {
        accessLogger: options.accessLogger ?? logger,
        metrics,
        metricsEnabled: config.metrics?.enabled ?? true,
        metricsToken: config.metrics?.token ?? null,
      },
      readiness: createReadinessCheck(storage, limits.redis),
    });
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
          // Streams cut by the drain limit are still committing their (cancelled) records.
          await journal.idle();
          await journal.stopCheckpoints();
          await journal.flush();
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
