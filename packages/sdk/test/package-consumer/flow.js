// The consumer's script, run in Node and (bundled by esbuild) in Chromium against a real gateway.
// It imports only the installed package: `@tollgate/sdk` from node_modules, no workspace links.
import {
  ForbiddenResponseError,
  oAuthExchangeAuthCodeForAPIKey,
  Tollgate,
  TollgateCore,
} from '@tollgate/sdk';

function base64Url(bytes) {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** An S256 PKCE pair, with WebCrypto (Node 20 and browsers alike). */
async function pkce() {
  const verifier = base64Url(crypto.getRandomValues(new Uint8Array(32)));
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return { verifier, challenge: base64Url(new Uint8Array(digest)) };
}

/** OAuth code → key → chat completion → its generation record; then a replay of the code. */
export async function runFlow(serverURL, managementKey, label) {
  const retryConfig = { strategy: 'none' };
  const admin = new Tollgate({ apiKey: managementKey, serverURL, retryConfig });
  const { verifier, challenge } = await pkce();
  const { data } = await admin.oAuth.createAuthCode({
    callbackUrl: 'http://localhost:3000/callback',
    codeChallenge: challenge,
    codeChallengeMethod: 'S256',
    keyLabel: label,
    limit: 1,
  });
  const anonymous = new TollgateCore({ serverURL, retryConfig });
  const exchanged = await oAuthExchangeAuthCodeForAPIKey(anonymous, {
    code: data.id,
    codeVerifier: verifier,
    codeChallengeMethod: 'S256',
  });
  if (!exchanged.ok) throw exchanged.error;
  const user = new Tollgate({ apiKey: exchanged.value.key, serverURL, retryConfig });
  const completion = await user.chat.send({
    model: 'tollgate/demo',
    messages: [{ role: 'user', content: 'Hello!' }],
    maxTokens: 8,
  });
  const record = await user.generations.getGeneration({ id: completion.id });
  let replay = 'accepted';
  try {
    await new Tollgate({ serverURL, retryConfig }).oAuth.exchangeAuthCodeForAPIKey({
      code: data.id,
      codeVerifier: verifier,
    });
  } catch (error) {
    replay =
      error instanceof ForbiddenResponseError ? `${error.name} ${error.status}` : String(error);
  }
  return {
    appId: typeof data.appId,
    keyPrefix: exchanged.value.key.slice(0, 9),
    userId: exchanged.value.userId,
    generationId: completion.id,
    recordMatches:
      record.data.id === completion.id && record.data.totalCost === completion.usage?.cost,
    replay,
  };
}
