import { hash as digestOf, randomBytes, timingSafeEqual } from 'node:crypto';
import { GatewayError } from '../errors/gateway-error.js';
import type { ApiKeyRow, ApiKeyStore } from '../storage/storage.js';

/** Prefix of Tollgate keys, in the style of OpenRouter's `sk-or-v1-`. */
export const KEY_PREFIX = 'sk-tg-v1-';

/** The default workspace every key belongs to until workspaces exist. */
export const DEFAULT_WORKSPACE_ID = 'default';

/** Hex SHA-256 of a key: the only form in which keys are stored, and their public `hash`. */
export function hashKey(key: string): string {
  return digestOf('sha256', key);
}

/** A new secret key: 256 bits from the CSPRNG. */
export function generateKey(): string {
  return `${KEY_PREFIX}${randomBytes(32).toString('hex')}`;
}

/** A display label that identifies a key without revealing it: `sk-tg-v1-abc...f12`. */
export function labelForKey(key: string): string {
  return `${key.slice(0, KEY_PREFIX.length + 3)}...${key.slice(-3)}`;
}

/** The authenticated caller of a request. */
export interface Caller {
  key: ApiKeyRow;
}

/** A key row as authentication uses it, derived once per read rather than once per request. */
interface CachedKey {
  /** Shared by every request of the key until the row is read again: never mutated. */
  caller: Caller;
  hashBytes: Buffer;
  expiresAtMs: number | null;
  loadedAtMs: number;
}

/** How long a key row is trusted from the cache before it is read again (ms). */
export const KEY_CACHE_TTL_MS = 2_000;

/**
 * Resolves bearer tokens to keys; caches rows by hash for {@link KEY_CACHE_TTL_MS}, so a key
 * disabled, deleted or changed through another node (shared PostgreSQL) takes effect here within
 * that time; changes made through this node take effect at once ({@link forget}).
 */
export class ApiKeyAuthenticator {
  readonly #store: ApiKeyStore;
  readonly #cache = new Map<string, CachedKey>();
  readonly #now: () => number;

  constructor(store: ApiKeyStore, now: () => number = Date.now) {
    this.#store = store;
    this.#now = now;
  }

  /** Counts {@link forget} calls: a row read while a key changed is not cached. */
  #changes = 0;

  async #load(hash: string, nowMs: number): Promise<CachedKey | undefined> {
    const changes = this.#changes;
    const row = await this.#store.get(hash);
    if (row === undefined) {
      this.#cache.delete(hash);
      return undefined;
    }
    const entry: CachedKey = {
      caller: { key: row },
      hashBytes: Buffer.from(row.hash, 'hex'),
      expiresAtMs: row.expiresAt === null ? null : Date.parse(row.expiresAt),
      loadedAtMs: nowMs,
    };
    // A key changed while this row was read (its read may predate the change): the row answers
    // the request that read it, but is not kept for the next ones.
    if (changes === this.#changes) this.#cache.set(hash, entry);
    return entry;
  }

  /**
   * Authenticates an `Authorization` header value; throws a 401 GatewayError. A key read within
   * {@link KEY_CACHE_TTL_MS} is answered without awaiting anything (it runs on every request).
   */
  async authenticate(authorization: string | undefined): Promise<Caller> {
    const token = parseBearer(authorization);
    const digest = digestOf('sha256', token, 'buffer');
    const hash = digest.toString('hex');
    const nowMs = this.#now();
    const cached = this.#cache.get(hash);
    const entry =
      cached !== undefined && nowMs - cached.loadedAtMs < KEY_CACHE_TTL_MS
        ? cached
        : await this.#load(hash, nowMs);
    // The lookup is by hash; the constant-time compare guards the final decision all the same.
    if (entry === undefined || !timingSafeEqual(entry.hashBytes, digest)) {
      throw new GatewayError('unauthenticated', 'Invalid API key');
    }
    if (entry.caller.key.disabled) {
      throw new GatewayError('unauthenticated', 'This API key is disabled');
    }
    if (entry.expiresAtMs !== null && entry.expiresAtMs <= nowMs) {
      throw new GatewayError('unauthenticated', 'This API key has expired');
    }
    return entry.caller;
  }

  /**
   * The caller whose key hashes to `hash` ({@link bearerHash}) when {@link authenticate} would
   * answer it from the cache: the row read within {@link KEY_CACHE_TTL_MS}, enabled and not
   * expired now. Otherwise undefined — a row to read, or a 401 for `authenticate` to throw — and
   * nothing happened. Synchronous: the lookup lane answers without a promise.
   */
  cachedCaller(hash: string): Caller | undefined {
    const entry = this.#cache.get(hash);
    if (entry === undefined) return undefined;
    const nowMs = this.#now();
    // The entry was found by the hash's exact value: the same decision as `authenticate`'s compare.
    if (nowMs - entry.loadedAtMs >= KEY_CACHE_TTL_MS || entry.caller.key.disabled) {
      return undefined;
    }
    if (entry.expiresAtMs !== null && entry.expiresAtMs <= nowMs) return undefined;
    return entry.caller;
  }

  /** Drops a cached key after it changed; a read of it in flight will not cache what it read. */
  forget(hash: string): void {
    this.#changes += 1;
    this.#cache.delete(hash);
  }

  /** Drops every cached key (changes may have been missed: a lost change feed). */
  forgetAll(): void {
    this.#changes += 1;
    this.#cache.clear();
  }
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

function parseBearer(authorization: string | undefined): string {
  if (authorization === undefined || authorization.trim() === '') {
    throw new GatewayError('unauthenticated', 'Missing Authentication header');
  }
  const match = BEARER.exec(authorization);
  if (match?.[1] === undefined) {
    throw new GatewayError(
      'unauthenticated',
      'Malformed Authorization header: expected "Bearer <key>"',
    );
  }
  return match[1];
}

/**
 * The key's hash (hex SHA-256, as {@link ApiKeyAuthenticator.authenticate} looks it up) of an
 * `Authorization: Bearer <key>` value, or undefined when the value holds no bearer token.
 */
export function bearerHash(authorization: string): string | undefined {
  const token = BEARER.exec(authorization)?.[1];
  return token === undefined ? undefined : digestOf('sha256', token);
}

/** Result of {@link ensureBootstrapKey}: the key to print when one was generated. */
export interface BootstrapResult {
  generatedKey: string | null;
  hash: string | null;
  /** Previous bootstrap keys deleted because TOLLGATE_ADMIN_KEY now holds another value. */
  revoked: ApiKeyRow[];
}

/**
 * Makes sure a management key exists (decision 0019). With `adminKey` (TOLLGATE_ADMIN_KEY) that
 * key becomes the bootstrap key: registered if new, enabled and management if it existed, and
 * every previous bootstrap key is deleted (rotation). Without it, when no enabled management key
 * exists, one is generated for the caller to print once. Only hashes are stored.
 */
export async function ensureBootstrapKey(
  store: ApiKeyStore,
  adminKey: string | undefined,
  nowIso: string,
): Promise<BootstrapResult> {
  if (adminKey !== undefined && adminKey !== '') {
    const hash = hashKey(adminKey);
    // Idempotent: several nodes may start at once with the same TOLLGATE_ADMIN_KEY.
    const revoked = await store.rotateBootstrapKey(
      managementRow(hash, labelForKey(adminKey), 'bootstrap', nowIso),
    );
    return { generatedKey: null, hash, revoked };
  }
  if ((await store.countEnabledManagementKeys(nowIso)) > 0) {
    return { generatedKey: null, hash: null, revoked: [] };
  }
  const key = generateKey();
  const hash = hashKey(key);
  await store.insertBootstrapKey(managementRow(hash, labelForKey(key), 'bootstrap', nowIso));
  return { generatedKey: key, hash, revoked: [] };
}

/** A new management key (as `tollgate keys create --management` mints): the secret and its row. */
export function createManagementKey(name: string, nowIso: string): { key: string; row: ApiKeyRow } {
  const key = generateKey();
  return { key, row: managementRow(hashKey(key), labelForKey(key), name, nowIso) };
}

function managementRow(hash: string, label: string, name: string, nowIso: string): ApiKeyRow {
  return {
    hash,
    name,
    label,
    isManagement: true,
    disabled: false,
    limitPico: null,
    limitReset: null,
    includeByokInLimit: false,
    workspaceId: DEFAULT_WORKSPACE_ID,
    creatorUserId: null,
    createdAt: nowIso,
    updatedAt: null,
    expiresAt: null,
    rateLimit: null,
    storeContent: null,
  };
}
