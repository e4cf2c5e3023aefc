// Type-checked against the installed package (its `exports` types and @tollgate/protocol's).
import { oAuthExchangeAuthCodeForAPIKey, Tollgate, TollgateCore } from '@tollgate/sdk';

export async function typesCheck(): Promise<void> {
  const core = new TollgateCore({ apiKey: 'k' });
  const result = await oAuthExchangeAuthCodeForAPIKey(core, {
    code: 'c',
    codeVerifier: 'v',
    codeChallengeMethod: 'S256',
  });
  if (result.ok) {
    const key: string = result.value.key;
    const userId: string | null = result.value.userId;
    console.log(key, userId);
  }
  const client = new Tollgate();
  const created = await client.oAuth.createAuthCode({ callbackUrl: 'http://localhost:3000/cb' });
  const appId: number = created.data.appId;
  console.log(appId);
  // @ts-expect-error: an unknown challenge method is a type error
  await client.oAuth.exchangeAuthCodeForAPIKey({ code: 'c', codeChallengeMethod: 'S512' });
}
