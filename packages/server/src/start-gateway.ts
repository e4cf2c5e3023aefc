import type { FastifyInstance } from 'fastify';
import { type Logger, pino } from 'pino';
import { Admission } from './accounts/admission.js';
import { ApiKeyAuthenticator, ensureBootstrapKey } from './accounts/api-keys.js';
import { localChangeFeed, redisChangeFeed } from './accounts/change-feed.js';
import { createLimits, type Limits } from './accounts/create-limits.js';
import { createApp } from './app.js';
import type { ConfigFile } from './config/config-schema.js';
import { loadConfigFile } from './config/load-config.js';
import { resolveSettings, type Settings, type StorageConfig } from './config/settings.js';
import type { GatewayContext } from './gateway-context.js';
import { createTokenCounter, type TokenCounter } from './ledger/count-tokens.js';
import { toRecordTimestamp } from './ledger/ids.js';
import { InflightJournal } from './ledger/inflight-journal.js';
import { Ledger } from './ledger/ledger.js';
import { NodeLeases } from './ledger/node-leases.js';
import { type RecoveryResult, recoverInflight } from './ledger/recover-inflight.js';
import { GatewayMetrics } from './ops/metrics.js';
import { observeBatches } from './ops/observe-ledger.js';
import { createReadinessCheck } from './ops/readiness.js';
import { assertCatalogPrices } from './prices/check-catalog-prices.js';
import { demoConfig } from './providers/demo/demo-config.js';
import { startDemoUpstream } from './providers/demo/demo-upstream.js';
import { EndpointStats } from './routing/endpoint-stats.js';
import { ModelCatalog } from './routing/model-catalog.js';
import { createStorage } from './storage/create-storage.js';
import { startRetention } from './storage/retention-job.js';
import type { Storage } from './storage/storage.js';

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
  /**
   * The environment: `${VAR}` in the config, and the variables of `resolveSettings`' table
   * (`TOLLGATE_CONFIG` aside: pass `configPath`). The options above and below win over it.
   */
  environment?: Readonly<Record<string, string | undefined>>;
  /**
   * Settings the caller has resolved (main.ts: `loadSettings`). When set, `environment`,
   * `config`, `configPath`, `port`, `host`, `dataDir`, `storage`, `adminKey`, `drainTimeoutMs` and
   * `nodeId` are not read.
   */
  settings?: Settings;
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

/**
 * A gateway built and not yet listening: storage open and recovered, catalog, ledger and limits
 * running, the HTTP app ready. `listen` starts serving; `close` releases everything, listening or
 * not (docs/decisions/0026-layers-and-settings.md).
 */
export interface Gateway {
  readonly settings: Settings;
  readonly context: GatewayContext;
  readonly app: FastifyInstance;
  /** The management key generated at first start (print it once), or null. */
  readonly bootstrapKey: string | null;
  /** Whether the built-in demo upstream serves `tollgate/demo`. */
  readonly demo: boolean;
  /** Starts accepting connections (default: the settings' port and host); resolves with the URL. */
  listen(port?: number, host?: string): Promise<string>;
  /** Stops accepting, lets in-flight requests finish, flushes the ledger, releases everything. */
  close(): Promise<void>;
}

/** What a gateway releases on close, in reverse order of acquisition. */
class Releases {
  readonly #releases: Array<() => Promise<void>> = [];

  /** Registers `release` to run on close. */
  add(release: () => Promise<void>): void {
    this.#releases.push(release);
  }

  /** Runs every release, the last acquired first; the first failure stops the run. */
  async run(): Promise<void> {
    for (const release of this.#releases.splice(0).reverse()) await release();
  }

  /** Runs every release after a failed build, ignoring their own failures. */
  async runQuietly(): Promise<void> {
    for (const release of this.#releases.splice(0).reverse()) {
      await release().catch(() => undefined);
    }
  }
}

/** What the parts of a build share. */
interface Build {
  settings: Settings;
  logger: Logger;
  now: () => number;
  releases: Releases;
}

/** The settings of a gateway started without resolved ones: its options, then `environment`. */
async function settingsOf(options: GatewayOptions): Promise<Settings> {
  const environment = options.environment ?? {};
  const { configPath } = options;
  const config =
    options.config ??
    (configPath === undefined ? null : await loadConfigFile(configPath, environment));
  return resolveSettings(environment, config, {
    configPath: options.config === undefined ? configPath : undefined,
    port: options.port,
    host: options.host,
    dataDir: options.dataDir,
    storage: options.storage,
    adminKey: options.adminKey,
    drainTimeoutMs: options.drainTimeoutMs,
    nodeId: options.nodeId,
  });
}

/** The catalog's config: the settings' file (its prices checked), else the built-in demo. */
async function catalogConfig(build: Build): Promise<{ config: ConfigFile; demo: boolean }> {
  const { config, configPath } = build.settings;
  if (config !== null) {
    assertCatalogPrices(config, configPath === null ? 'config' : `config file ${configPath}`);
    return { config, demo: false };
  }
  const upstream = await startDemoUpstream();
  build.releases.add(() => upstream.close());
  return { config: demoConfig(upstream.url), demo: true };
}

/** This node's lease and journal, once the streams a crash cut short have their records. */
interface RecoveredNode {
  leases: NodeLeases;
  journal: InflightJournal;
  recovery: RecoveryResult;
  /** Where the charges of dead nodes' rows recovered later by this node go. */
  onRecovered(listener: (result: RecoveryResult) => void): void;
}

/**
 * Before serving: the lease first (a survivor then stops claiming this node), then this node's
 * own in-flight rows are finished as cancelled records (decision 0017).
 */
async function recoverNode(build: Build, storage: Storage): Promise<RecoveredNode> {
  const { settings, logger, now } = build;
  let listener: (result: RecoveryResult) => void = () => undefined;
  const leases = new NodeLeases({
    storage,
    nodeId: settings.nodeId,
    leaseMs: settings.inflight.nodeLeaseMs,
    now,
    logger,
    onRecovered: (result) => listener(result),
  });
  await leases.acquire();
  const recovery = await recoverInflight(storage, settings.nodeId, logger);
  const journal = new InflightJournal(storage.inflight, settings.nodeId, {
    checkpointIntervalMs: settings.inflight.checkpointIntervalMs,
    onCheckpointError: (error) => logger.warn({ err: error }, 'in-flight checkpoint failed'),
  });
  return { leases, journal, recovery, onRecovered: (next) => (listener = next) };
}

/** The bootstrap management key: created on the first start, rotated by `TOLLGATE_ADMIN_KEY`. */
async function bootstrapKey(build: Build, storage: Storage): Promise<string | null> {
  const { settings, logger, now } = build;
  const bootstrap = await ensureBootstrapKey(
    storage.apiKeys,
    settings.adminKey ?? undefined,
    toRecordTimestamp(now()),
  );
  for (const revoked of bootstrap.revoked) {
    // The label and hash identify the key; its secret was never stored.
    logger.warn(
      { key_hash: revoked.hash, key_label: revoked.label },
      'revoked the previous bootstrap management key: TOLLGATE_ADMIN_KEY holds another value',
    );
  }
  return bootstrap.generatedKey;
}

/** The caller's token counter, a new one (closed with the gateway), or none. */
async function tokenCounter(build: Build, options: GatewayOptions): Promise<TokenCounter | null> {
  if (options.tokenCounter !== undefined) {
    await options.tokenCounter.ready();
    return options.tokenCounter;
  }
  if (options.countTokens === false) return null;
  const counter = createTokenCounter();
  build.releases.add(() => counter.close());
  await counter.ready();
  return counter;
}

/** The metrics and the ledger they observe (batch sizes, committed records, queue depth). */
function startLedger(build: Build, storage: Storage, counter: TokenCounter | null) {
  let ledgerQueue = () => 0;
  const metrics = new GatewayMetrics({ ledgerQueueDepth: () => ledgerQueue() });
  build.releases.add(async () => metrics.close());
  const generations = observeBatches(storage.generations, (size) => metrics.ledgerBatch(size));
  const ledger = new Ledger(generations, counter, build.logger);
  ledgerQueue = () => ledger.pendingCommits;
  ledger.onCommitted((row, facts) => metrics.generationCommitted(row, facts));
  return { metrics, ledger };
}

/**
 * Rate limits and credit holds (in Redis when set, else in memory), fed the charges of recovered
 * records, and the node's lease renewal, which recovers dead nodes' rows from now on.
 */
async function startLimits(
  build: Build,
  storage: Storage,
  node: RecoveredNode,
  metrics: GatewayMetrics,
): Promise<Limits> {
  const { settings, logger, now, releases } = build;
  const limits = await createLimits({
    storage,
    redis: settings.redis,
    logger,
    now,
    onRedisError: () => metrics.redisError(),
  });
  releases.add(() => limits.close());
  const { spendGuard } = limits;
  spendGuard.recordRecovered(node.recovery.charges);
  // Rows of dead nodes recovered here count in the shared spend counters like our own.
  node.onRecovered((result) => spendGuard.recordRecovered(result.charges));
  node.leases.start();
  releases.add(() => node.leases.close());
  await spendGuard.refreshCredits();
  // Grants made by another process (the `credits add` CLI) take effect within two seconds.
  const creditRefresh = setInterval(() => {
    spendGuard.refreshCredits().catch((error: unknown) => {
      logger.warn({ err: error }, 'credit refresh failed');
    });
  }, 2000);
  creditRefresh.unref();
  releases.add(async () => clearInterval(creditRefresh));
  return limits;
}

/** Deletes records older than `retention_days` (when set) in the background. */
function startRetentionJob(build: Build, storage: Storage): void {
  const { settings, logger, now, releases } = build;
  if (settings.retentionDays === null) return;
  const retention = startRetention({
    retention: storage.retention,
    retentionDays: settings.retentionDays,
    now,
    logger,
  });
  releases.add(() => retention.stop());
}

/**
 * The close sequence, in one place: stop accepting and drain (cutting what still runs after the
 * drain limit), let cut streams commit their records, flush the journal and the ledger, then
 * release everything else.
 */
async function drainAndRelease(
  app: FastifyInstance,
  context: GatewayContext,
  drainTimeoutMs: number,
  releases: Releases,
): Promise<void> {
  // Connections that finish a response from now on close instead of idling for the keep-alive
  // timeout; whatever is still running after the drain limit is cut.
  app.server.keepAliveTimeout = 1;
  const drainLimit = setTimeout(() => app.server.closeAllConnections(), drainTimeoutMs);
  drainLimit.unref();
  await app.close();
  clearTimeout(drainLimit);
  // Streams cut by the drain limit are still committing their (cancelled) records.
  await context.journal.idle();
  await context.journal.stopCheckpoints();
  await context.journal.flush();
  await context.ledger.flush();
  await releases.run();
}

/** The URL a server bound to `host` answers on. */
function urlOf(app: FastifyInstance, host: string, port: number): string {
  const address = app.server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  return `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
}

/** Builds a gateway (storage, recovery, catalog, ledger, limits, app) without listening. */
export async function buildGateway(options: GatewayOptions = {}): Promise<Gateway> {
  const logger = options.logger ?? pino({ level: 'silent' });
  const now = options.now ?? Date.now;
  const releases = new Releases();
  try {
    const settings = options.settings ?? (await settingsOf(options));
    const build: Build = { settings, logger, now, releases };
    const { config, demo } = await catalogConfig(build);
    const storage = await createStorage(settings.storage);
    releases.add(() => storage.close());
    const node = await recoverNode(build, storage);
    const generatedKey = await bootstrapKey(build, storage);
    const counter = await tokenCounter(build, options);
    const catalog = ModelCatalog.fromConfig(config);
    releases.add(() => catalog.close());
    const { metrics, ledger } = startLedger(build, storage, counter);
    const limits = await startLimits(build, storage, node, metrics);
    startRetentionJob(build, storage);
    const authenticator = new ApiKeyAuthenticator(storage.apiKeys, now);
    const targets = { authenticator, spendGuard: limits.spendGuard, logger };
    const changes =
      limits.redis === null
        ? localChangeFeed(targets)
        : await redisChangeFeed(limits.redis, targets);
    releases.add(() => changes.close());
    const context: GatewayContext = {
      changes,
      spendGuard: limits.spendGuard,
      endpointStats: new EndpointStats(now),
      rateLimiter: limits.rateLimiter,
      defaultRateLimit: settings.defaultRateLimit,
      storage,
      catalog,
      ledger,
      journal: node.journal,
      inflightLookup: {
        generations: storage.generations,
        inflight: storage.inflight,
        leases: node.leases,
        nodeId: settings.nodeId,
        waitMs: settings.inflight.lookupWaitMs,
      },
      authenticator,
      logger,
      dataRegion: settings.dataRegion,
      storeContent: settings.storeContent,
      now,
      admission: new Admission(settings.admission),
    };
    const app = createApp(context, {
      bodyLimit: options.bodyLimit,
      corsOrigins: settings.corsOrigins ?? undefined,
      oauthCallbackOrigins: settings.oauthCallbackOrigins,
      httpLimits: settings.http,
      operations: {
        accessLogger: options.accessLogger ?? logger,
        metrics,
        metricsEnabled: settings.metrics.enabled,
        metricsToken: settings.metrics.token,
      },
      readiness: createReadinessCheck(storage, limits.redis),
    });
    let closing: Promise<void> | null = null;
    return {
      settings,
      context,
      app,
      bootstrapKey: generatedKey,
      demo,
      async listen(port = settings.port, host = settings.host) {
        await app.listen({ port, host });
        return urlOf(app, host, port);
      },
      close() {
        closing ??= drainAndRelease(app, context, settings.drainTimeoutMs, releases);
        return closing;
      },
    };
  } catch (error) {
    await releases.runQuietly();
    throw error;
  }
}

/** Builds a gateway and starts listening (`buildGateway` + `listen`). */
export async function startGateway(options: GatewayOptions = {}): Promise<RunningGateway> {
  const gateway = await buildGateway(options);
  let url: string;
  try {
    url = await gateway.listen();
  } catch (error) {
    await gateway.close().catch(() => undefined);
    throw error;
  }
  const { app, context, bootstrapKey: generated, demo } = gateway;
  return { url, app, context, bootstrapKey: generated, demo, close: () => gateway.close() };
}
