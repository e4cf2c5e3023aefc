/**
 * Every default of the gateway's settings, in one place (docs/decisions/0026-layers-and-settings.md):
 * what applies when neither the environment nor the config file sets a value. Read by
 * `resolveSettings` (settings.ts) and by the config schema's cross-field checks; no other module
 * keeps a default of its own.
 */
export const DEFAULTS = {
  /** Bounds on slow and crowding clients (config `http:`; decision 0018, docs/deployment.md). */
  http: {
    headersTimeoutMs: 10_000,
    requestTimeoutMs: 30_000,
    maxConnectionsPerAddress: 1024,
  },
} as const;
