/** An API key as stored (never the secret, only its SHA-256 hex `hash`). */
export interface ApiKeyRow {
  hash: string;
  name: string;
  label: string;
  isManagement: boolean;
  disabled: boolean;
  limitPico: bigint | null;
  limitReset: 'daily' | 'weekly' | 'monthly' | null;
  includeByokInLimit: boolean;
  workspaceId: string;
  creatorUserId: string | null;
  createdAt: string;
  updatedAt: string | null;
  expiresAt: string | null;
}

/** A committed generation: ledger columns plus the serialized wire record. */
export interface GenerationRow {
  id: string;
  keyHash: string;
  requestId: string;
  createdAt: string;
  model: string;
  providerName: string | null;
  apiType: string | null;
  isByok: boolean;
  cancelled: boolean;
  usagePico: bigint;
  totalCostPico: bigint;
  upstreamCostPico: bigint | null;
  recordVersion: number;
  /** JSON text of the wire record, exactly as `GET /generation` returns it under `data`. */
  record: string;
}

/** What a generation lookup needs: the owner and the serialized record. */
export interface StoredGeneration {
  keyHash: string;
  recordVersion: number;
  record: string;
}

/** Generation records: written once (in batches), never updated. */
export interface GenerationStore {
  /** Inserts records atomically (one transaction); resolves once durably committed. */
  insertMany(rows: readonly GenerationRow[]): Promise<void>;
  get(id: string): Promise<StoredGeneration | undefined>;
  /** Σ usage of a key's generations, pico-USD. */
  sumUsage(keyHash: string): Promise<bigint>;
  count(): Promise<number>;
}

/** API keys. */
export interface ApiKeyStore {
  get(hash: string): Promise<ApiKeyRow | undefined>;
  insert(row: ApiKeyRow): Promise<void>;
  countManagementKeys(): Promise<number>;
}

/** The storage the gateway sees: small and domain-shaped. */
export interface Storage {
  readonly dialect: 'sqlite' | 'postgres';
  readonly generations: GenerationStore;
  readonly apiKeys: ApiKeyStore;
  close(): Promise<void>;
}
