import { useInfiniteQuery } from '@tanstack/react-query';
import type { GenerationData, ListGenerationsRequest } from '@tollgate/sdk';
import { generationsList, unwrap } from '@tollgate/sdk';
import { useTollgateClient } from '@tollgate/sdk/react-query';
import { useEffect, useRef, useState } from 'react';
import { count, text, usd } from './format.js';

const FILTERS = [
  ['model', 'Model'],
  ['provider', 'Provider'],
  ['externalUser', 'End user'],
  ['sessionId', 'Session'],
  ['minCost', 'Min cost (USD)'],
  ['from', 'From'],
  ['to', 'To'],
] as const;

type FilterName = (typeof FILTERS)[number][0] | 'outcome' | 'apiType';

/** The generations log: filters, infinite scroll, export, a link to each record. */
export function GenerationsPage() {
  const core = useTollgateClient();
  const [draft, setDraft] = useState<Partial<Record<FilterName, string>>>({});
  const [filters, setFilters] = useState<Partial<Record<FilterName, string>>>({});
  const request: ListGenerationsRequest = {};
  for (const [name, value] of Object.entries(filters)) {
    if (value !== undefined && value !== '') Object.assign(request, { [name]: value });
  }
  const log = useInfiniteQuery({
    queryKey: ['console', 'generations', request],
    initialPageParam: null as string | null,
    queryFn: async ({ pageParam, signal }) =>
      unwrap(
        await generationsList(
          core,
          { ...request, limit: '50', ...(pageParam === null ? {} : { cursor: pageParam }) },
          { signal },
        ),
      ),
    getNextPageParam: (page) => page.nextCursor,
  });
  const sentinel = useRef<HTMLDivElement>(null);
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = log;
  useEffect(() => {
    const element = sentinel.current;
    if (element === null) return undefined;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting) && hasNextPage && !isFetchingNextPage) {
        void fetchNextPage();
      }
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);

  const exportAs = async (format: 'csv' | 'ndjson') => {
    const query = new URLSearchParams({ format });
    for (const [name, value] of Object.entries(request)) {
      query.set(
        name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`),
        String(value),
      );
    }
    const response = await fetch(`${core.options.serverURL}/generations?${query}`, {
      headers: { authorization: `Bearer ${core.options.apiKey}` },
    });
    const url = URL.createObjectURL(await response.blob());
    const link = document.createElement('a');
    link.href = url;
    link.download = `generations.${format}`;
    link.click();
    URL.revokeObjectURL(url);
  };
  const rows: GenerationData[] = log.data?.pages.flatMap((page) => page.data) ?? [];
  return (
    <section>
      <h1>Generations</h1>
      <form
        className="filters"
        onSubmit={(event) => {
          event.preventDefault();
          setFilters(draft);
        }}
      >
        {FILTERS.map(([name, label]) => (
          <label key={name}>
            {label}
            <input
              name={name}
              value={draft[name] ?? ''}
              placeholder={name === 'from' || name === 'to' ? 'YYYY-MM-DD' : ''}
              onChange={(event) => setDraft({ ...draft, [name]: event.target.value })}
            />
          </label>
        ))}
        <label>
          Outcome
          <select
            name="outcome"
            value={draft.outcome ?? ''}
            onChange={(event) => setDraft({ ...draft, outcome: event.target.value })}
          >
            <option value="">any</option>
            <option value="ok">ok</option>
            <option value="error">error</option>
            <option value="cancelled">cancelled</option>
          </select>
        </label>
        <label>
          API
          <select
            name="apiType"
            value={draft.apiType ?? ''}
            onChange={(event) => setDraft({ ...draft, apiType: event.target.value })}
          >
            <option value="">any</option>
            <option value="completions">completions</option>
            <option value="embeddings">embeddings</option>
          </select>
        </label>
        <button type="submit">Apply</button>
        <button type="button" onClick={() => void exportAs('csv')}>
          Export CSV
        </button>
        <button type="button" onClick={() => void exportAs('ndjson')}>
          Export NDJSON
        </button>
      </form>
      {log.isError && <p className="error">{log.error.message}</p>}
      <table className="grid" data-testid="generations">
        <thead>
          <tr>
            <th>Id</th>
            <th>Created</th>
            <th>Model</th>
            <th>Provider</th>
            <th>Tokens</th>
            <th>Cost</th>
            <th>Status</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((record) => (
            <tr key={record.id} data-id={record.id}>
              <td className="mono">
                <a href={`#/generations/${record.id}`}>{record.id}</a>
              </td>
              <td>{record.createdAt.slice(0, 19).replace('T', ' ')}</td>
              <td>{record.model}</td>
              <td>{text(record.providerName)}</td>
              <td>
                {count(record.nativeTokensPrompt)} / {count(record.nativeTokensCompletion)}
              </td>
              <td className="cost">{usd(record.usage)}</td>
              <td>{record.cancelled ? 'cancelled' : text(record.finishReason)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div ref={sentinel} className="sentinel">
        {log.isFetching ? 'Loading…' : hasNextPage ? '' : `${rows.length} generations`}
      </div>
    </section>
  );
}
