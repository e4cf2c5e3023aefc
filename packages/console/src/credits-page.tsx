import { useQueryClient } from '@tanstack/react-query';
import {
  invalidateAllCreditsGetCredits,
  useCreditsCreateCreditsMutation,
  useCreditsGetCredits,
} from '@tollgate/sdk/react-query';
import { useState } from 'react';
import { usd } from './format.js';

/** Credits: balance (granted − used) and a form to grant more. */
export function CreditsPage() {
  const queryClient = useQueryClient();
  const credits = useCreditsGetCredits();
  const grant = useCreditsCreateCreditsMutation({
    onSuccess: () => invalidateAllCreditsGetCredits(queryClient),
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
      <p className="hint">
        No grant at all means credit is not enforced. Grants are also made with
        <code> npm start -- credits add 100 "note"</code>.
      </p>
    </section>
  );
}
