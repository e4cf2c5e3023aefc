import type { Logger } from 'pino';
import type { Admission } from './accounts/admission.js';
import type { ApiKeyAuthenticator } from './accounts/api-keys.js';
import type { ChangeFeed } from './accounts/change-feed.js';
import type { RateLimit, RateLimiter } from './accounts/rate-limiter.js';
import type { SpendControl } from './accounts/spend-guard.js';
import type { InflightLookup } from './ledger/await-inflight-record.js';
import type { InflightJournal } from './ledger/inflight-journal.js';
import type { Ledger } from './ledger/ledger.js';
import type { EndpointStats } from './routing/endpoint-stats.js';
import type { ModelCatalog } from './routing/model-catalog.js';
import type { Storage } from './storage/storage.js';

/** Everything routes depend on; built by `startGateway` or by tests, never global. */
export interface GatewayContext {
  storage: Storage;
  catalog: ModelCatalog;
  ledger: Ledger;
  /** Journals generations whose id is exposed before their record is committed (streams). */
  journal: InflightJournal;
  /** How a lookup that missed waits for a generation still in flight (decision 0017). */
  inflightLookup: InflightLookup;
  authenticator: ApiKeyAuthenticator;
  /** Key and credit changes, applied on every node at once (decision 0053). */
  changes: ChangeFeed;
  logger: Logger;
  spendGuard: SpendControl;
  endpointStats: EndpointStats;
  rateLimiter: RateLimiter;
  /** Request-rate limit of keys without their own; null = unlimited. */
  defaultRateLimit: RateLimit | null;
  /** Region recorded as `data_region`. */
  dataRegion: string;
  /** Store prompts and completions with records unless a key says otherwise (`store_content`). */
  storeContent: boolean;
  /** Wall clock (ms since epoch); injectable for tests. */
  now: () => number;
  /** Bounded concurrency and queue of the inference routes (503 beyond). */
  admission: Admission;
}
