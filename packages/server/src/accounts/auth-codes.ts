import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { CodeChallengeMethod } from '@tollgate/protocol';
import { GatewayError } from '../errors/gateway-error.js';

/** How long an authorization code can be exchanged (OpenRouter: 10 minutes). */
export const AUTH_CODE_TTL_MS = 10 * 60 * 1000;

/** A new authorization code: 256 bits from the CSPRNG, base64url. */
export function generateAuthCode(): string {
  return randomBytes(32).toString('base64url');
}

/** Hex SHA-256 of a code: the only form in which codes are stored. */
export function hashAuthCode(code: string): string {
  return createHash('sha256').update(code).digest('hex');
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/**
 * Whether `verifier` matches the stored challenge (RFC 7636 §4.6). Both sides are hashed to 32
 * bytes and compared with `timingSafeEqual`, so the time taken reveals neither content nor length.
 */
export function verifyCodeChallenge(
  challenge: string,
  method: CodeChallengeMethod,
  verifier: string,
): boolean {
  const derived = method === 'S256' ? sha256(verifier).toString('base64url') : verifier;
  return timingSafeEqual(sha256(derived), sha256(challenge));
}

/**
 * The app's id: the first 48 bits of the SHA-256 of its name (the callback's origin, or
 * `headless:<label>`), so one app keeps one id on every node without a registry.
 */
export function appIdFor(appName: string): number {
  return sha256(appName).readUIntBE(0, 6);
}

const LOOPBACK_HOSTS = new Set(['localhost', '[::1]']);

function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/**
 * Parses a callback URL and refuses (400) one the gateway may not send a code to: not http(s),
 * with credentials, or neither on loopback (any port, as OpenRouter) nor on an origin of
 * `allowedOrigins` (config `oauth_callback_origins`). Returns the parsed URL.
 */
export function parseCallbackUrl(value: string, allowedOrigins: readonly string[]): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new GatewayError('invalid_request', '`callback_url` must be an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new GatewayError('invalid_request', '`callback_url` must be an http or https URL');
  }
  if (url.username !== '' || url.password !== '') {
    throw new GatewayError('invalid_request', '`callback_url` must not contain credentials');
  }
  if (!isLoopbackHost(url.hostname) && !allowedOrigins.includes(url.origin)) {
    throw new GatewayError(
      'invalid_request',
      `\`callback_url\` origin ${url.origin} is not allowed: use a loopback address or add it to oauth_callback_origins`,
      { metadata: { origin: url.origin } },
    );
  }
  return url;
}
