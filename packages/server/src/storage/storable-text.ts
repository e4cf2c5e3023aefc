import { GatewayError } from '../errors/gateway-error.js';

/**
 * PostgreSQL text cannot hold U+0000 (the query would fail): no stored id or hash contains it, so
 * a lookup by such a value finds nothing on either dialect, as for any unknown id.
 */
export const isStorableText = (value: string): boolean => !value.includes('\u0000');

/**
 * Refuses (400) user text PostgreSQL cannot store, on both dialects alike, instead of letting the
 * insert fail as a 500. `fields` maps each wire field name to its value.
 */
export function assertStorableText(fields: Record<string, string | null | undefined>): void {
  for (const [field, value] of Object.entries(fields)) {
    if (typeof value === 'string' && !isStorableText(value)) {
      throw new GatewayError(
        'invalid_request',
        `${field} must not contain the NUL character (U+0000)`,
        {
          metadata: { field },
        },
      );
    }
  }
}
