/**
 * A tiny React app using the SDK's React Query hooks, bundled by esbuild and loaded in headless
 * Chromium from another origin than the gateway (so CORS is exercised too). It renders each
 * result into an element with a `data-testid` the test reads.
 */
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { Suspense, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { chatSend, TollgateCore } from '../../src/index.js';
import {
  invalidateAllApiKeysList,
  prefetchModelsCount,
  TollgateProvider,
  useApiKeysCreateMutation,
  useApiKeysList,
  useChatSendMutation,
  useGenerationsGetGeneration,
  useModelsCount,
  useProvidersListSuspense,
} from '../../src/react-query/index.js';

/** What the test page sets before loading the bundle. */
interface PageSettings {
  serverURL: string;
  apiKey: string;
  generationId: string;
  model: string;
}

const settings = (globalThis as unknown as { TOLLGATE: PageSettings }).TOLLGATE;
const core = new TollgateCore({
  apiKey: settings.apiKey,
  serverURL: settings.serverURL,
  retryConfig: { strategy: 'none' },
});
const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });

function Generation() {
  const query = useGenerationsGetGeneration({ id: settings.generationId });
  if (query.isPending) return <p>loading</p>;
  if (query.isError) return <p data-testid="generation-error">{query.error.name}</p>;
  const { data } = query.data;
  const summary = { id: data.id, totalCost: data.totalCost, tokens: data.nativeTokensPrompt };
  return <p data-testid="generation">{JSON.stringify(summary)}</p>;
}

function MissingGeneration() {
  const query = useGenerationsGetGeneration({ id: 'gen-0000000000-AAAAAAAAAAAAAAAAAAAA' });
  if (!query.isError) return <p>waiting</p>;
  return (
    <p data-testid="missing">{`${query.error.name} ${'status' in query.error ? query.error.status : ''}`}</p>
  );
}

function Providers() {
  const { data } = useProvidersListSuspense();
  return <p data-testid="providers">{data.data.map((provider) => provider.name).join(',')}</p>;
}

function ModelCount() {
  // Prefetched before the first render, so the data is there at once.
  const query = useModelsCount(
    { outputModalities: 'all' },
    { staleTime: Number.POSITIVE_INFINITY },
  );
  return (
    <p data-testid="model-count">{query.data === undefined ? 'none' : query.data.data.count}</p>
  );
}

function Keys() {
  const keys = useApiKeysList();
  const create = useApiKeysCreateMutation({
    onSuccess: () => invalidateAllApiKeysList(queryClient),
  });
  const names = keys.data?.data.map((key) => key.name).sort() ?? [];
  return (
    <div>
      <button
        type="button"
        data-testid="create-key"
        onClick={() => create.mutate({ name: 'from-browser' })}
      >
        create
      </button>
      <p data-testid="keys">{keys.isSuccess ? names.join(',') : 'loading'}</p>
    </div>
  );
}

function Chat() {
  const send = useChatSendMutation();
  const [streamed, setStreamed] = useState('');
  const stream = async () => {
    const result = await chatSend(core, {
      model: settings.model,
      messages: [{ role: 'user', content: 'stream please' }],
      stream: true,
    });
    if (!result.ok) return setStreamed(result.error.name);
    let text = '';
    for await (const chunk of result.value) text += chunk.choices[0]?.delta['content'] ?? '';
    setStreamed(`${result.value.generationId ?? 'no-id'}|${text}`);
  };
  return (
    <div>
      <button
        type="button"
        data-testid="send"
        onClick={() =>
          send.mutate({ model: settings.model, messages: [{ role: 'user', content: 'hi' }] })
        }
      >
        send
      </button>
      <button type="button" data-testid="stream" onClick={() => void stream()}>
        stream
      </button>
      <p data-testid="sent">
        {send.data === undefined ? '' : `${send.data.id}|${send.data.choices[0]?.message.content}`}
      </p>
      <p data-testid="streamed">{streamed}</p>
    </div>
  );
}

function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <TollgateProvider client={core}>
        <Generation />
        <MissingGeneration />
        <Suspense fallback={<p>suspended</p>}>
          <Providers />
        </Suspense>
        <ModelCount />
        <Keys />
        <Chat />
      </TollgateProvider>
    </QueryClientProvider>
  );
}

await prefetchModelsCount(queryClient, core, { outputModalities: 'all' });
const container = document.getElementById('root');
if (container !== null) createRoot(container).render(<App />);
