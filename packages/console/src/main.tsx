/**
 * The Tollgate console: a React app on the SDK's React Query hooks, served by the gateway at
 * `/console` (same origin, so the API base is `/api/v1`). The key lives in session storage only.
 */
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { TollgateCore } from '@tollgate/sdk';
import { TollgateProvider, useApiKeysGetCurrentKeyMetadata } from '@tollgate/sdk/react-query';
import { useEffect, useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { ActivityPage } from './activity-page.js';
import { CreditsPage } from './credits-page.js';
import { GenerationDetail } from './generation-detail.js';
import { GenerationsPage } from './generations-page.js';
import { KeysPage } from './keys-page.js';

const KEY_STORAGE = 'tollgate.console.key';
const THEME_STORAGE = 'tollgate.console.theme';
const API_URL = new URL('/api/v1', window.location.origin).href;

function useHashRoute(): string {
  const [hash, setHash] = useState(window.location.hash);
  useEffect(() => {
    const onChange = () => setHash(window.location.hash);
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return hash.replace(/^#\/?/, '') || 'activity';
}

function SignIn(props: { onKey: (key: string) => void }) {
  const [key, setKey] = useState('');
  return (
    <form
      className="signin"
      onSubmit={(event) => {
        event.preventDefault();
        props.onKey(key.trim());
      }}
    >
      <h1>Tollgate console</h1>
      <label>
        API key
        <input
          name="key"
          type="password"
          autoComplete="off"
          placeholder="sk-tg-v1-…"
          value={key}
          onChange={(event) => setKey(event.target.value)}
        />
      </label>
      <button type="submit">Sign in</button>
      <p className="hint">
        The key stays in this tab's session storage. A management key sees everything; another key
        sees its own usage.
      </p>
    </form>
  );
}

function Shell(props: { onSignOut: () => void; theme: string; onTheme: () => void }) {
  const route = useHashRoute();
  const current = useApiKeysGetCurrentKeyMetadata();
  if (current.isPending) return <p className="loading">Loading…</p>;
  if (current.isError) {
    return (
      <div className="signin">
        <p className="error" data-testid="signin-error">
          {current.error.message}
        </p>
        <button type="button" onClick={props.onSignOut}>
          Try another key
        </button>
      </div>
    );
  }
  const isManagement = current.data.data.isManagementKey;
  const pages = isManagement
    ? (['activity', 'generations', 'keys', 'credits'] as const)
    : (['activity', 'generations'] as const);
  const [page, id] = route.split('/');
  return (
    <>
      <header>
        <strong>Tollgate</strong>
        <nav>
          {pages.map((name) => (
            <a key={name} href={`#/${name}`} className={page === name ? 'active' : ''}>
              {name[0]?.toUpperCase()}
              {name.slice(1)}
            </a>
          ))}
        </nav>
        <span className="who mono">{current.data.data.label}</span>
        <button type="button" onClick={props.onTheme} aria-label="Toggle theme">
          {props.theme === 'dark' ? 'Light' : 'Dark'}
        </button>
        <button type="button" onClick={props.onSignOut}>
          Sign out
        </button>
      </header>
      <main>
        {page === 'generations' && id !== undefined && id !== '' ? (
          <GenerationDetail id={decodeURIComponent(id)} />
        ) : page === 'generations' ? (
          <GenerationsPage />
        ) : page === 'keys' && isManagement ? (
          <KeysPage />
        ) : page === 'credits' && isManagement ? (
          <CreditsPage />
        ) : (
          <ActivityPage isManagement={isManagement} />
        )}
      </main>
    </>
  );
}

function App() {
  const [key, setKey] = useState(() => sessionStorage.getItem(KEY_STORAGE));
  const [theme, setTheme] = useState(
    () =>
      localStorage.getItem(THEME_STORAGE) ??
      (window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'),
  );
  useEffect(() => {
    document.documentElement.dataset['theme'] = theme;
  }, [theme]);
  const queryClient = useMemo(
    () => new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: 5_000 } } }),
    [],
  );
  const core = useMemo(
    () =>
      key === null
        ? null
        : new TollgateCore({ apiKey: key, serverURL: API_URL, retryConfig: { strategy: 'none' } }),
    [key],
  );
  if (core === null) {
    return (
      <SignIn
        onKey={(value) => {
          sessionStorage.setItem(KEY_STORAGE, value);
          setKey(value);
        }}
      />
    );
  }
  return (
    <QueryClientProvider client={queryClient}>
      <TollgateProvider client={core}>
        <Shell
          theme={theme}
          onTheme={() => {
            const next = theme === 'dark' ? 'light' : 'dark';
            localStorage.setItem(THEME_STORAGE, next);
            setTheme(next);
          }}
          onSignOut={() => {
            sessionStorage.removeItem(KEY_STORAGE);
            queryClient.clear();
            setKey(null);
          }}
        />
      </TollgateProvider>
    </QueryClientProvider>
  );
}

const root = document.getElementById('root');
if (root !== null) createRoot(root).render(<App />);
