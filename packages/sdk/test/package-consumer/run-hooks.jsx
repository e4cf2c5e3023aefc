// Browser entry for the React Query hooks of the installed package: exchanges a code (created by
// the test) with useOAuthExchangeAuthCodeForAPIKeyMutation when the button is clicked.

import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { TollgateCore } from '@tollgate/sdk';
import {
  TollgateProvider,
  useOAuthExchangeAuthCodeForAPIKeyMutation,
} from '@tollgate/sdk/react-query';
import { createRoot } from 'react-dom/client';

const { serverURL, code, codeVerifier, codeChallengeMethod } = globalThis.TOLLGATE;
const core = new TollgateCore({ serverURL, retryConfig: { strategy: 'none' } });

function Exchange() {
  const exchange = useOAuthExchangeAuthCodeForAPIKeyMutation();
  return (
    <main>
      <button
        type="button"
        data-testid="exchange"
        onClick={() => exchange.mutate({ code, codeVerifier, codeChallengeMethod })}
      >
        Exchange
      </button>
      <p data-testid="result">
        {exchange.data === undefined ? '' : exchange.data.key.slice(0, 9)}
        {exchange.error === null ? '' : `${exchange.error.name} ${exchange.error.status}`}
      </p>
    </main>
  );
}

createRoot(document.getElementById('root')).render(
  <QueryClientProvider client={new QueryClient()}>
    <TollgateProvider client={core}>
      <Exchange />
    </TollgateProvider>
  </QueryClientProvider>,
);
