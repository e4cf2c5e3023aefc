import type { z } from 'zod';
import { formatPath } from '../config/format-issues.js';
import { GatewayError } from '../errors/gateway-error.js';

/** A 400 naming the request field at fault, e.g. `Invalid messages[2].tool_calls[0]: …`. */
export function invalidRequestField(path: string, detail: string): GatewayError {
  return new GatewayError('invalid_request', `Invalid ${path}: ${detail}`);
}

/**
 * Validates one field of a client request that the gateway keeps loose (content parts, tool
 * calls, tools, response_format) against the shape an adapter's conversion needs; a mismatch is
 * a 400 naming the field.
 */
export function parseRequestField<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
  path: string,
): z.infer<Schema> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const inner = issue === undefined ? '' : formatPath(issue.path);
  const where =
    inner === '' ? path : inner.startsWith('[') ? `${path}${inner}` : `${path}.${inner}`;
  throw invalidRequestField(where, issue?.message ?? 'malformed');
}
