/**
 * Sent with every page and page asset the gateway serves (the console, the API explorer, the
 * guides): never framed by another site (clickjacking: the console deletes keys and grants
 * credit), never content-sniffed, no referrer sent from them. A page with a stricter policy of
 * its own (the OAuth consent page) sends that instead.
 */
export const PAGE_HEADERS = {
  'content-security-policy': "frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
} as const;
