import { useQueryClient } from '@tanstack/react-query';
import {
  invalidateAllCreditsGetCredits,
  invalidateAllCreditsListGrants,
  useCreditsCreateCreditsMutation,
  useCreditsGetCredits,
  useCreditsListGrants,
} from '@tollgate/sdk/react-query';
import { useState } from 'react';
import { text, usd, usdExact } from './format.js';

/** Grants shown, newest first (the endpoint's default page). */
const GRANTS_SHOWN = '100';

/** Credits: balance (granted − used), the grants behind it, and a form to grant more. */
export function CreditsPage() {
  const queryClient = useQueryClient();
  const credits = useCreditsGetCredits();
  const grants = useCreditsListGrants({ limit: GRANTS_SHOWN });
  const grant = useCreditsCreateCreditsMutation({
    onSuccess: () =>
      Promise.all([
        invalidateAllCreditsGetCredits(queryClient),
        invalidateAllCreditsListGrants(queryClient),
      ]),
  });
  const [amount, setAmount] = useState('');
  const [note, setNote] = useState('');
  const data = credits.data?.data;
  return (
    <section>
      <h1>Credits</h1>
      {credits.isError && <p className="error">{credits.error.message}</p>}
      {data !== undefined && (
        <dl className="totals">
          <div>
            <dt>Granted</dt>
            <dd data-testid="total-credits">{usd(data.totalCredits)}</dd>
          </div>
          <div>
            <dt>Used</dt>
            <dd data-testid="total-usage">{usd(data.totalUsage)}</dd>
          </div>
          <div>
            <dt>Balance</dt>
            <dd data-testid="balance">{usd(data.totalCredits - data.totalUsage)}</dd>
          </div>
        </dl>
      )}
      <h2>Grant credit</h2>
      <form
        className="filters"
        onSubmit={(event) => {
          event.preventDefault();
          grant.mutate({ amount: Number(amount), ...(note === '' ? {} : { note }) });
          setAmount('');
          setNote('');
        }}
      >
        <label>
          Amount (USD, negative corrects)
          <input
            name="amount"
            required
            inputMode="decimal"
            value={amount}
            onChange={(event) => setAmount(event.target.value)}
          />
        </label>
        <label>
          Note
          <input name="note" value={note} onChange={(event) => setNote(event.target.value)} />
        </label>
        <button type="submit">Grant</button>
      </form>
      {grant.isError && <p className="error">{grant.error.message}</p>}
      <h2>Grants</h2>
      {grants.isError && <p className="error">{grants.error.message}</p>}
      {grants.data !== undefined && grants.data.data.length === 0 && (
        <p className="hint">No credit granted yet.</p>
      )}
      {grants.data !== undefined && grants.data.data.length > 0 && (
        <table className="grid" data-testid="grants">
          <thead>
            <tr>
              <th>Granted at (UTC)</th>
              <th>Amount</th>
              <th>Note</th>
            </tr>
          </thead>
          <tbody>
            {grants.data.data.map((row) => (
              <tr key={row.id} data-id={row.id}>
                <td>{row.createdAt.slice(0, 19).replace('T', ' ')}</td>
                <td className="usage" data-testid="grant-amount">
                  {usdExact(row.amountExact)}
                </td>
                <td>{text(row.note)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p className="hint">
        No grant at all means credit is not enforced. Grants are also made with
        <code> npm start -- credits add 100 "note"</code>.
      </p>
    </section>
  );
}
