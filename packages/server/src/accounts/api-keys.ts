import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { GatewayError } from '../errors/gateway-error.js';
import type { ApiKeyRow, ApiKeyStore } from '../storage/storage.js';

/** Prefix of Tollgate keys, in the style of OpenRouter's `sk-or-v1-`. */
export const KEY_PREFIX = 'sk-tg-v1-';

/** The default workspace every key belongs to until workspaces exist. */
export const DEFAULT_WORKSPACE_ID = 'default';

/** Hex SHA-256 of a key: the only form in which keys are stored, and their public `hash`. */
export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
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

/** How long a key row is trusted from the cache before it is read again (ms). */
export const KEY_CACHE_TTL_MS = 2_000;

/**
 * Resolves bearer tokens to keys; caches rows by hash for {@link KEY_CACHE_TTL_MS}, so a key
 * disabled, deleted or changed through another node (shared PostgreSQL) takes effect here within
 * that time; changes made through this node take effect at once ({@link forget}).
 */
export class ApiKeyAuthenticator {
  readonly #store: ApiKeyStore;
  readonly #cache = new Map<string, { row: ApiKeyRow; loadedAtMs: number }>();
  readonly #now: () => number;

  constructor(store: ApiKeyStore, now: () => number = Date.now) {
    this.#store = store;
    this.#now = now;
  }

  async #load(hash: string): Promise<ApiKeyRow | undefined> {
    const nowMs = this.#now();
    const cached = this.#cache.get(hash);
    if (cached !== undefined && nowMs - cached.loadedAtMs < KEY_CACHE_TTL_MS) return cached.row;
    const row = await this.#store.get(hash);
    if (row === undefined) this.#cache.delete(hash);
    else this.#cache.set(hash, { row, loadedAtMs: nowMs });
    return row;
  }

  /** Authenticates an `Authorization` header value; throws a 401 GatewayError. */
  async authenticate(authorization: string | undefined): Promise<Caller> {
    const token = parseBearer(authorization);
    const digest = createHash('sha256').update(token).digest();
    const hash = digest.toString('hex');
    const row = await this.#load(hash);
    // The lookup is by hash; the constant-time compare guards the final decision all the same.
    if (row === undefined || !timingSafeEqual(Buffer.from(row.hash, 'hex'), digest)) {
      throw new GatewayError('unauthenticated', 'Invalid API key');
    }
    if (row.disabled) throw new GatewayError('unauthenticated', 'This API key is disabled');
    if (row.expiresAt !== null && Date.parse(row.expiresAt) <= this.#now()) {
      throw new GatewayError('unauthenticated', 'This API key has expired');
    }
    return { key: row };
  }

  /** Drops a cached key after it changed. */
  forget(hash: string): void {
    this.#cache.delete(hash);
  }
}

function parseBearer(authorization: string | undefined): string {
  if (authorization === undefined || authorization.trim() === '') {
    throw new GatewayError('unauthenticated', 'Missing Authentication header');
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (match?.[1] === undefined) {
    throw new GatewayError(
      'unauthenticated',
      'Malformed Authorization header: expected "Bearer <key>"',
    );
  }
  return match[1];
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
