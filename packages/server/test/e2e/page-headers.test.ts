/**
 * The HTML pages a management key is pasted into (the console) or used from (the
 * API explorer) must not be frameable or sniffed, as the OAuth consent page already is not
 * (src/routes/consent-page.ts PAGE_HEADERS).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestGatewayFor } from '../helpers/start-test-gateway.js';

function frameable(headers: Headers): boolean {
  const xfo = headers.get('x-frame-options')?.toUpperCase();
  const csp = headers.get('content-security-policy') ?? '';
  return !(xfo === 'DENY' || xfo === 'SAMEORIGIN' || /frame-ancestors\s+('none'|'self')/.test(csp));
}

test('the console and the API explorer cannot be framed and are not content-sniffed', async (t) => {
  const harness = await startTestGatewayFor(t, { demo: true });
  const origin = new URL(harness.apiUrl).origin;
  const consent = await fetch(`${origin}/auth?callback_url=http://localhost:9/cb`);
  await consent.text();
  assert.equal(frameable(consent.headers), false, 'the consent page is the reference');
  for (const path of ['/console', '/', '/docs']) {
    const response = await fetch(`${origin}${path}`);
    await response.text();
    assert.equal(response.status, 200, path);
    assert.equal(frameable(response.headers), false, `${path} can be framed (clickjacking)`);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff', `${path}: nosniff`);
  }
});
