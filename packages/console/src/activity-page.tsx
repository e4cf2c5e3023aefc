import {
  useActivityGetSummary,
  useApiKeysGetCurrentKeyMetadata,
  useCreditsGetCredits,
} from '@tollgate/sdk/react-query';
import { useState } from 'react';
import { type ChartPoint, StackedBars } from './chart.js';
import { count, dayFromToday, usd, usdExact } from './format.js';

type GroupBy = 'model' | 'provider' | 'key' | 'external_user';
type Metric = 'usage' | 'requests' | 'tokens';

/** Spend, requests and tokens over time, stacked by model, provider, key or end user. */
export function ActivityPage(props: { isManagement: boolean }) {
  const [from, setFrom] = useState(dayFromToday(-6));
  const [to, setTo] = useState(dayFromToday(0));
  const [granularity, setGranularity] = useState<'day' | 'hour'>('day');
  const [groupBy, setGroupBy] = useState<GroupBy>('model');
  const [metric, setMetric] = useState<Metric>('usage');
  // `to` is the last day shown: the summary's bound is exclusive.
  const toExclusive = new Date(Date.parse(`${to}T00:00:00Z`) + 86_400_000)
    .toISOString()
    .slice(0, 10);
  const summary = useActivityGetSummary({ groupBy, granularity, from, to: toExclusive });
  const key = useApiKeysGetCurrentKeyMetadata();
  const credits = useCreditsGetCredits(undefined, { enabled: props.isManagement });
  const points: ChartPoint[] =
    summary.data?.data.map((row) => ({
      period: row.period,
      series: row.group ?? '',
      value:
        metric === 'usage'
          ? row.usage
          : metric === 'requests'
            ? row.requests
            : row.promptTokens + row.completionTokens,
    })) ?? [];
  const totals = summary.data?.totals;
  return (
    <section>
      <h1>Activity</h1>
      <form className="filters" onSubmit={(event) => event.preventDefault()}>
        <label>
          From
          <input type="date" value={from} onChange={(event) => setFrom(event.target.value)} />
        </label>
        <label>
          To
          <input type="date" value={to} onChange={(event) => setTo(event.target.value)} />
        </label>
        <label>
          By
          <select
            value={granularity}
            onChange={(event) => setGranularity(event.target.value as 'day' | 'hour')}
          >
            <option value="day">day</option>
            <option value="hour">hour</option>
          </select>
        </label>
        <label>
          Stack by
          <select value={groupBy} onChange={(event) => setGroupBy(event.target.value as GroupBy)}>
            <option value="model">model</option>
            <option value="provider">provider</option>
            <option value="key">key</option>
            <option value="external_user">end user</option>
          </select>
        </label>
        <label>
          Show
          <select value={metric} onChange={(event) => setMetric(event.target.value as Metric)}>
            <option value="usage">spend</option>
            <option value="requests">requests</option>
            <option value="tokens">tokens</option>
          </select>
        </label>
      </form>
      {summary.isError && <p className="error">{summary.error.message}</p>}
      {totals !== undefined && (
        <dl className="totals">
          <div>
            <dt>Spend in range</dt>
            <dd data-testid="range-spend">{usdExact(totals.usageExact)}</dd>
          </div>
          <div>
            <dt>Requests</dt>
            <dd data-testid="range-requests">{count(totals.requests)}</dd>
          </div>
          <div>
            <dt>Tokens (prompt + completion)</dt>
            <dd data-testid="range-tokens">
              {count(totals.promptTokens + totals.completionTokens)}
            </dd>
          </div>
          {key.data !== undefined && (
            <div>
              <dt>This key, all time</dt>
              <dd data-testid="key-usage">{usd(key.data.data.usage)}</dd>
            </div>
          )}
          {credits.data !== undefined && (
            <div>
              <dt>Account, all time</dt>
              <dd data-testid="account-usage">{usd(credits.data.data.totalUsage)}</dd>
            </div>
          )}
        </dl>
      )}
      <StackedBars
        points={points}
        label={`${metric} per ${granularity}`}
        format={metric === 'usage' ? usd : count}
      />
      {summary.data !== undefined && summary.data.data.length > 0 && (
        <table className="grid">
          <thead>
            <tr>
              <th>Period</th>
              <th>{groupBy}</th>
              <th>Spend</th>
              <th>Requests</th>
              <th>Prompt</th>
              <th>Completion</th>
              <th>Reasoning</th>
            </tr>
          </thead>
          <tbody>
            {summary.data.data.map((row) => (
              <tr key={`${row.period}-${row.group}`}>
                <td>{row.period}</td>
                <td className="mono">{row.group ?? '(none)'}</td>
                <td>{usdExact(row.usageExact)}</td>
                <td>{count(row.requests)}</td>
                <td>{count(row.promptTokens)}</td>
                <td>{count(row.completionTokens)}</td>
                <td>{count(row.reasoningTokens)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
