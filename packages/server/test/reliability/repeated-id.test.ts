/**
 * `GET /api/v1/generation?id=a&id=b` (and `/generation/content`): the lookup lane declines it (not
 * a plain id), Fastify's query parser makes `id` an array, and the 400 must say what is wrong —
 * the id given twice — not that it is required, the one thing the request did give.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorEnvelopeSchema } from '@tollgate/protocol';
import { startTestGatewayFor } from '../helpers/start-test-gateway.js';

test('a generation id given twice is refused with a message that says it was repeated, not missing', async (t) => {
  const harness = await startTestGatewayFor(t, { countTokens: false });
  for (const path of ['/generation', '/generation/content']) {
    const response = await fetch(`${harness.apiUrl}${path}?id=gen-a&id=gen-b`, {
      headers: { authorization: `Bearer ${harness.key}` },
    });
    const envelope = ErrorEnvelopeSchema.parse(await response.json());
    assert.equal(response.status, 400, path);
    assert.equal(envelope.error.code, 400, path);
    assert.match(envelope.error.message, /\bid\b/, path);
    assert.doesNotMatch(envelope.error.message, /required/, `${path}: ${envelope.error.message}`);
  }
  // Really missing: "required" is right there.
  const missing = await fetch(`${harness.apiUrl}/generation`, {
    headers: { authorization: `Bearer ${harness.key}` },
  });
  assert.equal(missing.status, 400);
  assert.match(
    ((await missing.json()) as { error: { message: string } }).error.message,
    /required/,
  );
});
