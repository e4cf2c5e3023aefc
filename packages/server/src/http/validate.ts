import type { z } from 'zod';
import { formatIssues } from '../config/format-issues.js';
import { GatewayError } from '../errors/gateway-error.js';

/**
 * Validates input against a wire schema; a failure is a 400 whose message names every bad field
 * (`messages[0].role: …`) and whose metadata lists the issues.
 */
export function validate<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
  what: string,
): z.infer<Schema> {
  if (input === undefined) {
    throw new GatewayError('invalid_request', `Missing ${what}: expected a JSON object`);
  }
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const lines = formatIssues(result.error.issues, what);
  throw new GatewayError('invalid_request', `Invalid ${what}: ${lines.join('; ')}`, {
    metadata: { issues: lines },
  });
}
