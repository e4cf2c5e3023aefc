import { ConfigError } from '../config/load-config.js';
import { DEFAULT_CHECKPOINT_MS } from './inflight-journal.js';

/** In-flight journal timings, resolved from the environment, then the config, then defaults. */
export interface InflightSettings {
  /** Checkpoint interval of relayed completion text (ms); 0 = off. */
  checkpointIntervalMs: number;
  /** Node lease (ms): a node that has not renewed it for this long is recovered by others. */
  nodeLeaseMs: number;
  /** Longest wait of a lookup for the record of an id still in flight (ms); 0 = no wait. */
  lookupWaitMs: number;
}

/** Default node lease: 30 s, renewed every 10 s. */
export const DEFAULT_NODE_LEASE_MS = 30_000;
/** Default lookup wait for an in-flight id: 2 s. */
export const DEFAULT_LOOKUP_WAIT_MS = 2000;

const VARIABLES = {
  checkpointIntervalMs: { name: 'TOLLGATE_CHECKPOINT_INTERVAL_MS', min: 0, max: 3_600_000 },
  nodeLeaseMs: { name: 'TOLLGATE_NODE_LEASE_MS', min: 300, max: 86_400_000 },
  lookupWaitMs: { name: 'TOLLGATE_LOOKUP_WAIT_MS', min: 0, max: 60_000 },
} as const satisfies Record<keyof InflightSettings, { name: string; min: number; max: number }>;

function fromEnvironment(
  environment: Readonly<Record<string, string | undefined>>,
  setting: keyof InflightSettings,
): number | undefined {
  const { name, min, max } = VARIABLES[setting];
  const text = environment[name];
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${text}"`);
  }
  return value;
}

/** Resolves the in-flight settings: env `TOLLGATE_*_MS` wins over the config's `inflight`. */
export function resolveInflightSettings(
  environment: Readonly<Record<string, string | undefined>>,
  config:
    | {
        checkpoint_interval_ms?: number | undefined;
        node_lease_ms?: number | undefined;
        lookup_wait_ms?: number | undefined;
      }
    | undefined,
): InflightSettings {
  return {
    checkpointIntervalMs:
      fromEnvironment(environment, 'checkpointIntervalMs') ??
      config?.checkpoint_interval_ms ??
      DEFAULT_CHECKPOINT_MS,
    nodeLeaseMs:
      fromEnvironment(environment, 'nodeLeaseMs') ?? config?.node_lease_ms ?? DEFAULT_NODE_LEASE_MS,
    lookupWaitMs:
      fromEnvironment(environment, 'lookupWaitMs') ??
      config?.lookup_wait_ms ??
      DEFAULT_LOOKUP_WAIT_MS,
  };
}
