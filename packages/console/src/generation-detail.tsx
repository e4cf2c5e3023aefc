import { useGenerationsGetGeneration } from '@tollgate/sdk/react-query';
import { count, text, usd } from './format.js';

/** One record: every field, the cost breakdown, tokens native vs normalized, every attempt. */
export function GenerationDetail(props: { id: string }) {
  const query = useGenerationsGetGeneration({ id: props.id });
  if (query.isPending) return <p>Loading…</p>;
  if (query.isError) return <p className="error">{query.error.message}</p>;
  const record = query.data.data;
  const fields = record as unknown as Record<string, unknown>;
  const breakdown = (fields['costBreakdown'] ?? null) as Record<string, string | null> | null;
  return (
    <section data-testid="generation-detail">
      <p>
        <a href="#/generations">← Generations</a>
      </p>
      <h1 className="mono">{record.id}</h1>
      <dl className="totals">
        <div>
          <dt>Charged</dt>
          <dd data-testid="detail-usage">{usd(record.usage)}</dd>
        </div>
        <div>
          <dt>Latency / generation time</dt>
          <dd>
            {text(record.latency)} ms / {text(record.generationTime)} ms
          </dd>
        </div>
        <div>
          <dt>Price version</dt>
          <dd className="mono">{text(fields['priceVersion'])}</dd>
        </div>
      </dl>
      <h2>Tokens</h2>
      <table className="grid">
        <thead>
          <tr>
            <th />
            <th>Native (billed)</th>
            <th>Normalized</th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <td>Prompt</td>
            <td data-testid="native-prompt">{count(record.nativeTokensPrompt)}</td>
            <td>{count(record.tokensPrompt)}</td>
          </tr>
          <tr>
            <td>Completion</td>
            <td>{count(record.nativeTokensCompletion)}</td>
            <td>{count(record.tokensCompletion)}</td>
          </tr>
          <tr>
            <td>Reasoning</td>
            <td>{count(record.nativeTokensReasoning)}</td>
            <td>—</td>
          </tr>
          <tr>
            <td>Cached</td>
            <td>{count(record.nativeTokensCached)}</td>
            <td>—</td>
          </tr>
        </tbody>
      </table>
      {breakdown !== null && (
        <>
          <h2>Cost breakdown (USD)</h2>
          <table className="grid" data-testid="cost-breakdown">
            <tbody>
              {Object.entries(breakdown).map(([name, value]) => (
                <tr key={name}>
                  <td>{name}</td>
                  <td className="mono">{value ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <h2>Provider attempts</h2>
      <table className="grid" data-testid="attempts">
        <thead>
          <tr>
            <th>Provider</th>
            <th>Endpoint</th>
            <th>Status</th>
            <th>Latency</th>
            <th>BYOK</th>
          </tr>
        </thead>
        <tbody>
          {(record.providerResponses ?? []).map((attempt, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: attempts are in order and never change
            <tr key={index}>
              <td>{text(attempt.providerName)}</td>
              <td className="mono">{text(attempt.endpointId)}</td>
              <td>{text(attempt.status)}</td>
              <td>{text(attempt.latency)}</td>
              <td>{text(attempt.isByok)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>All fields</h2>
      <table className="grid" data-testid="all-fields">
        <tbody>
          {Object.entries(fields).map(([name, value]) => (
            <tr key={name}>
              <td>{name}</td>
              <td className="mono wrap">{text(value)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
