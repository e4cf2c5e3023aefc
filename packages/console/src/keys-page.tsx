import { useQueryClient } from '@tanstack/react-query';
import {
  invalidateAllApiKeysList,
  useApiKeysCreateMutation,
  useApiKeysDeleteMutation,
  useApiKeysList,
  useApiKeysUpdateMutation,
} from '@tollgate/sdk/react-query';
import { useState } from 'react';
import { text, usd } from './format.js';

type Reset = '' | 'daily' | 'weekly' | 'monthly';

/** Keys: create (the secret shown once), disable, delete, usage per key. */
export function KeysPage() {
  const queryClient = useQueryClient();
  const keys = useApiKeysList({ includeDisabled: 'true' });
  const refresh = () => invalidateAllApiKeysList(queryClient);
  const create = useApiKeysCreateMutation({ onSuccess: refresh });
  const update = useApiKeysUpdateMutation({ onSuccess: refresh });
  const remove = useApiKeysDeleteMutation({ onSuccess: refresh });
  const [name, setName] = useState('');
  const [limit, setLimit] = useState('');
  const [reset, setReset] = useState<Reset>('');
  const [expires, setExpires] = useState('');
  return (
    <section>
      <h1>Keys</h1>
      <form
        className="filters"
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate({
            name,
            ...(limit === '' ? {} : { limit: Number(limit) }),
            ...(reset === '' ? {} : { limitReset: reset }),
            ...(expires === ''
              ? {}
              : { expiresAt: new Date(`${expires}T00:00:00Z`).toISOString() }),
          });
        }}
      >
        <label>
          Name
          <input
            name="name"
            required
            value={name}
            onChange={(event) => setName(event.target.value)}
          />
        </label>
        <label>
          Limit (USD)
          <input
            name="limit"
            inputMode="decimal"
            value={limit}
            onChange={(event) => setLimit(event.target.value)}
          />
        </label>
        <label>
          Resets
          <select
            name="reset"
            value={reset}
            onChange={(event) => setReset(event.target.value as Reset)}
          >
            <option value="">never</option>
            <option value="daily">daily</option>
            <option value="weekly">weekly</option>
            <option value="monthly">monthly</option>
          </select>
        </label>
        <label>
          Expires
          <input
            type="date"
            name="expires"
            value={expires}
            onChange={(event) => setExpires(event.target.value)}
          />
        </label>
        <button type="submit">Create key</button>
      </form>
      {create.isError && <p className="error">{create.error.message}</p>}
      {create.data !== undefined && (
        <div className="secret" data-testid="new-secret">
          <p>Copy this key now: it is shown once and never again.</p>
          <code>{create.data.key}</code>
        </div>
      )}
      {keys.isError && <p className="error">{keys.error.message}</p>}
      <table className="grid" data-testid="keys">
        <thead>
          <tr>
            <th>Name</th>
            <th>Key</th>
            <th>Usage</th>
            <th>Today</th>
            <th>Limit</th>
            <th>Remaining</th>
            <th>Expires</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {keys.data?.data.map((key) => (
            <tr key={key.hash} data-hash={key.hash} className={key.disabled ? 'disabled' : ''}>
              <td>{key.name}</td>
              <td className="mono">{key.label}</td>
              <td className="usage">{usd(key.usage)}</td>
              <td>{usd(key.usageDaily)}</td>
              <td>
                {key.limit === null ? '—' : usd(key.limit)} {key.limitReset ?? ''}
              </td>
              <td>{key.limitRemaining === null ? '—' : usd(key.limitRemaining)}</td>
              <td>{text(key.expiresAt?.slice(0, 10))}</td>
              <td className="actions">
                <button
                  type="button"
                  onClick={() => update.mutate({ hash: key.hash, disabled: !key.disabled })}
                >
                  {key.disabled ? 'Enable' : 'Disable'}
                </button>
                <button
                  type="button"
                  className="danger"
                  onClick={() => {
                    if (window.confirm(`Delete key ${key.name}?`))
                      remove.mutate({ hash: key.hash });
                  }}
                >
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
