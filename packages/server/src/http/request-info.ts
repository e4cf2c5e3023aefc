import type { IncomingHttpHeaders } from 'node:http';

/** A single header value (the first, when repeated), or null. */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | null {
  const value = headers[name];
  if (Array.isArray(value)) return value[0] ?? null;
  return value === undefined || value === '' ? null : value;
}
