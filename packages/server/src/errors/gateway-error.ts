import { ERROR_STATUS, type ErrorKind } from './error-codes.js';

const MARKER = Symbol.for('tollgate.gateway-error');

/** Options of a {@link GatewayError}. */
export interface GatewayErrorOptions {
  metadata?: Record<string, unknown> | undefined;
  headers?: Record<string, string> | undefined;
  cause?: unknown;
}

/** Every error the gateway answers with; its status comes from {@link ERROR_STATUS}. */
export class GatewayError extends Error {
  readonly [MARKER] = true;
  readonly kind: ErrorKind;
  readonly status: number;
  readonly metadata: Record<string, unknown> | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(kind: ErrorKind, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.kind = kind;
    this.status = ERROR_STATUS[kind];
    this.metadata = options.metadata;
    this.headers = options.headers;
  }

  /** Whether a value is a GatewayError (works across module copies). */
  static is(value: unknown): value is GatewayError {
    return typeof value === 'object' && value !== null && MARKER in value;
  }
}

/** Metadata of an error that came from an upstream provider. */
export interface UpstreamErrorMetadata {
  provider_name: string;
  raw?: unknown;
  upstream_status?: number | null;
  [key: string]: unknown;
}

/** An upstream failed, timed out or was overloaded; `retryable` drives fallbacks. */
export class UpstreamError extends GatewayError {
  readonly retryable: boolean;
  readonly upstreamStatus: number | null;

  constructor(
    kind: ErrorKind,
    message: string,
    metadata: UpstreamErrorMetadata,
    options: { retryable: boolean; headers?: Record<string, string> | undefined; cause?: unknown },
  ) {
    super(kind, message, { metadata, headers: options.headers, cause: options.cause });
    this.name = 'UpstreamError';
    this.retryable = options.retryable;
    this.upstreamStatus = metadata.upstream_status ?? null;
  }
}
