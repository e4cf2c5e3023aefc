import type { ErrorEnvelope, ErrorStatus } from '@tollgate/protocol';

/** The `error` object of OpenRouter's envelope, as the wire sends it. */
export type ErrorObject = ErrorEnvelope['error'];

/** What an HTTP error response carried. */
export interface HttpErrorDetails {
  /** HTTP status of the response. */
  status: number;
  /** The raw response body. */
  body: string;
  /** Response headers. */
  headers: Headers;
  /** The envelope's `error`, or null when the body was not OpenRouter's envelope. */
  error: ErrorObject | null;
}

/** Base of every error the SDK raises or returns. */
export class TollgateError extends Error {
  override readonly name: string = 'TollgateError';
}

/** The generation id of a response (`X-Generation-Id`), when the gateway sent one. */
function generationIdOf(headers: Headers): string | null {
  return headers.get('x-generation-id');
}

/**
 * An HTTP error answer from the gateway. Use `instanceof` on the subclasses to tell statuses
 * apart; unmapped statuses are {@link TollgateDefaultError}.
 */
export class ApiError extends TollgateError {
  override readonly name: string = 'ApiError';
  /** HTTP status (equals `error.code` on Tollgate). */
  readonly status: number;
  /** The raw response body. */
  readonly body: string;
  /** Response headers (e.g. `retry-after`). */
  readonly headers: Headers;
  /** The parsed envelope's `error.{code,message,metadata}`, or null for a foreign body. */
  readonly error: ErrorObject | null;
  /** The generation this request created (`X-Generation-Id`), when known. */
  readonly generationId: string | null;

  constructor(details: HttpErrorDetails) {
    super(details.error?.message ?? `HTTP ${details.status}: ${details.body.slice(0, 200)}`);
    this.status = details.status;
    this.body = details.body;
    this.headers = details.headers;
    this.error = details.error;
    this.generationId = generationIdOf(details.headers);
  }
}

/** 400: the request is malformed or invalid (the message names the field). */
export class BadRequestResponseError extends ApiError {
  override readonly name = 'BadRequestResponseError';
}
/** 401: missing, unknown or disabled API key. */
export class UnauthorizedResponseError extends ApiError {
  override readonly name = 'UnauthorizedResponseError';
}
/** 402: not enough credit or key limit for the request. */
export class PaymentRequiredResponseError extends ApiError {
  override readonly name = 'PaymentRequiredResponseError';
}
/** 403: the key may not do this (e.g. key management without a management key). */
export class ForbiddenResponseError extends ApiError {
  override readonly name = 'ForbiddenResponseError';
}
/** 404: unknown model, generation, key or route. */
export class NotFoundResponseError extends ApiError {
  override readonly name = 'NotFoundResponseError';
}
/** 408: the gateway gave up waiting for the request. */
export class RequestTimeoutResponseError extends ApiError {
  override readonly name = 'RequestTimeoutResponseError';
}
/** 409: the change conflicts with the current state (e.g. disabling the last management key). */
export class ConflictResponseError extends ApiError {
  override readonly name = 'ConflictResponseError';
}
/** 410: the endpoint is gone for good (e.g. Coinbase payments). */
export class GoneResponseError extends ApiError {
  override readonly name = 'GoneResponseError';
}
/** 413: the request body is too large. */
export class PayloadTooLargeResponseError extends ApiError {
  override readonly name = 'PayloadTooLargeResponseError';
}
/** 415: the request's Content-Type is not accepted. */
export class UnsupportedMediaTypeResponseError extends ApiError {
  override readonly name = 'UnsupportedMediaTypeResponseError';
}
/** 417: an `Expect` header the gateway does not honour. */
export class ExpectationFailedResponseError extends ApiError {
  override readonly name = 'ExpectationFailedResponseError';
}
/** 422: well-formed but not processable. */
export class UnprocessableEntityResponseError extends ApiError {
  override readonly name = 'UnprocessableEntityResponseError';
}
/** 429: rate limited (by the gateway or the upstream); see `retry-after`. */
export class TooManyRequestsResponseError extends ApiError {
  override readonly name = 'TooManyRequestsResponseError';
}
/** 500: the gateway failed. */
export class InternalServerResponseError extends ApiError {
  override readonly name = 'InternalServerResponseError';
}
/** 502: the upstream failed or answered nonsense. */
export class BadGatewayResponseError extends ApiError {
  override readonly name = 'BadGatewayResponseError';
}
/** 503: no provider available, or the gateway is not admitting requests. */
export class ServiceUnavailableResponseError extends ApiError {
  override readonly name = 'ServiceUnavailableResponseError';
}
/** 524: the upstream did not answer in time. */
export class EdgeNetworkTimeoutResponseError extends ApiError {
  override readonly name = 'EdgeNetworkTimeoutResponseError';
}
/** 529: the provider is overloaded. */
export class ProviderOverloadedResponseError extends ApiError {
  override readonly name = 'ProviderOverloadedResponseError';
}
/** Any other 4xx/5xx status. */
export class TollgateDefaultError extends ApiError {
  override readonly name = 'TollgateDefaultError';
}

/** The one status → class map: a class for every status of the gateway's error table. */
export const STATUS_ERRORS = {
  400: BadRequestResponseError,
  401: UnauthorizedResponseError,
  402: PaymentRequiredResponseError,
  403: ForbiddenResponseError,
  404: NotFoundResponseError,
  408: RequestTimeoutResponseError,
  409: ConflictResponseError,
  410: GoneResponseError,
  413: PayloadTooLargeResponseError,
  415: UnsupportedMediaTypeResponseError,
  417: ExpectationFailedResponseError,
  422: UnprocessableEntityResponseError,
  429: TooManyRequestsResponseError,
  500: InternalServerResponseError,
  502: BadGatewayResponseError,
  503: ServiceUnavailableResponseError,
  524: EdgeNetworkTimeoutResponseError,
  529: ProviderOverloadedResponseError,
} as const satisfies Record<ErrorStatus, typeof ApiError>;

/** Reads OpenRouter's envelope out of a body, or null when it is something else. */
export function parseErrorEnvelope(body: string): ErrorObject | null {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed !== 'object' || parsed === null || !('error' in parsed)) return null;
    const error: unknown = parsed.error;
    if (typeof error !== 'object' || error === null) return null;
    const { code, message, metadata } = error as Record<string, unknown>;
    if (typeof code !== 'number' || typeof message !== 'string') return null;
    const isRecord = typeof metadata === 'object' && metadata !== null;
    return { code, message, metadata: isRecord ? (metadata as Record<string, unknown>) : null };
  } catch {
    return null;
  }
}

/** Builds the error for an HTTP error response, choosing its class from {@link STATUS_ERRORS}. */
export function createApiError(status: number, body: string, headers: Headers): ApiError {
  const ErrorClass: typeof ApiError =
    STATUS_ERRORS[status as keyof typeof STATUS_ERRORS] ?? TollgateDefaultError;
  return new ErrorClass({ status, body, headers, error: parseErrorEnvelope(body) });
}

/** The request never got a response: DNS, refused or reset connection, CORS refusal. */
export class ConnectionError extends TollgateError {
  override readonly name = 'ConnectionError';
  /** Whether the request provably never reached the server (connection refused, no DNS). */
  readonly notSent: boolean;

  constructor(message: string, options: { cause: unknown; notSent: boolean }) {
    super(message, { cause: options.cause });
    this.notSent = options.notSent;
  }
}

/** The client-side `timeoutMs` elapsed before the response (or its body) arrived. */
export class RequestTimeoutError extends TollgateError {
  override readonly name = 'RequestTimeoutError';
}

/** The caller aborted the request through its `signal`. */
export class RequestAbortedError extends TollgateError {
  override readonly name = 'RequestAbortedError';
}

/** A 2xx response whose body is not the JSON the operation promises. */
export class ResponseValidationError extends TollgateError {
  override readonly name = 'ResponseValidationError';
  /** HTTP status of the response. */
  readonly status: number;
  /** The raw response body. */
  readonly body: string;
  /** Response headers. */
  readonly headers: Headers;
  /** The generation id (`X-Generation-Id`), when known. */
  readonly generationId: string | null;

  constructor(message: string, details: Omit<HttpErrorDetails, 'error'>) {
    super(message);
    this.status = details.status;
    this.body = details.body;
    this.headers = details.headers;
    this.generationId = generationIdOf(details.headers);
  }
}

/** Every error a standalone function can return. */
export type SdkError =
  | ApiError
  | ConnectionError
  | RequestTimeoutError
  | RequestAbortedError
  | ResponseValidationError;
