import { STREAM_ERROR_TYPE } from './error-codes.js';
import { GatewayError } from './gateway-error.js';

/** A serialized error: status, headers and the JSON body text. */
export interface ErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const INTERNAL_MESSAGE = 'Internal Server Error';

/** Turns any thrown value into a GatewayError; unknown errors become a masked 500. */
export function toGatewayError(error: unknown): GatewayError {
  if (GatewayError.is(error)) return error;
  return new GatewayError('internal', INTERNAL_MESSAGE, { cause: error });
}

/** Serializes an error as OpenRouter's envelope; the one place that builds error bodies. */
export function toErrorResponse(error: unknown): ErrorResponse {
  const gatewayError = toGatewayError(error);
  const body = JSON.stringify({
    error: {
      code: gatewayError.status,
      message: gatewayError.message,
      metadata: gatewayError.metadata ?? null,
    },
  });
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    ...gatewayError.headers,
  };
  return { status: gatewayError.status, headers, body };
}

/** The mid-stream form: the `error` object of a final SSE chunk. */
export function toStreamError(error: unknown): {
  code: number;
  message: string;
  metadata: Record<string, unknown>;
} {
  const gatewayError = toGatewayError(error);
  return {
    code: gatewayError.status,
    message: gatewayError.message,
    metadata: { ...gatewayError.metadata, error_type: STREAM_ERROR_TYPE[gatewayError.kind] },
  };
}
