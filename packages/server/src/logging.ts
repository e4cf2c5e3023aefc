/** Log fields that may hold secrets; pino replaces them wherever they appear (one level deep). */
export const LOG_REDACT_PATHS = [
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'api_key',
  '*.api_key',
  'apiKey',
  '*.apiKey',
  'key',
  '*.key',
  'x-api-key',
  '*["x-api-key"]',
  '*["x-goog-api-key"]',
  // Connection URLs may carry passwords (postgres://user:secret@…, redis://:secret@…).
  'redis_url',
  '*.redis_url',
  'database_url',
  '*.database_url',
  'token',
  '*.token',
  // OAuth: an authorization code or PKCE verifier is as good as a key until it is exchanged.
  // (`err.code` of system errors stays readable: only a code under a body is redacted.)
  'code',
  'body.code',
  '*.body.code',
  'code_verifier',
  '*.code_verifier',
  'codeVerifier',
  '*.codeVerifier',
];
