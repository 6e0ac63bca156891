/** Rules what-if: paste or edit rules YAML and see what it would have decided for the last invitations. Applies nothing. */
import { useState } from 'preact/hooks';
import { api, type WhatIfRow } from './api.js';

const EXAMPLE = `# Paste the rules sections of lexbridge.yaml (or the whole file) and press "Try these rules".
default: { action: manual, note: No rule matched; intake team to review }
rules:
  - name: accept-high-value-mva
    when:
      all:
        - { field: referral.caseType, equals: Motor Vehicle Accident }
        - { field: referral.estimatedValue, gte: 100000 }
    then: accept
`;

export function WhatIfView() {
  const [rules, setRules] = useState(EXAMPLE);
  const [limit, setLimit] = useState(20);
  const [rows, setRows] = useState<{ items: WhatIfRow[]; differing: number } | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const run = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      setRows(await api.whatIf(rules, limit));
    } catch (err) {
      setRows(null);
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="whatif-title">
      <h2 id="whatif-title">Rules: what if</h2>
      <p>The same evaluator the processor uses, on the case facts of the last invitations. Nothing is applied or saved; daily capacity is not counted.</p>
      <form onSubmit={(e) => void run(e)} class="what-if">
        <label for="rules">Rules YAML</label>
        <textarea id="rules" rows={14} spellcheck={false} value={rules} onInput={(e) => setRules(e.currentTarget.value)} aria-invalid={error ? 'true' : undefined} aria-describedby={error ? 'rules-error' : undefined} />
        <label for="limit">Last invitations to try</label>
        <input id="limit" type="number" min={1} max={200} value={limit} onInput={(e) => setLimit(Number(e.currentTarget.value) || 20)} />
        <button type="submit" disabled={busy}>
          {busy ? 'Trying…' : 'Try these rules'}
        </button>
      </form>
      {error && (
        <p role="alert" id="rules-error" class="error">
          {error}
        </p>
      )}
      {rows && (
        <>
          <p aria-live="polite">
            {rows.items.length === 0 ? 'No decided invitations to try yet.' : `${rows.differing} of ${rows.items.length} would be decided differently.`}
          </p>
          {rows.items.length > 0 && (
            <table>
              <caption class="sr-only">What was decided and what these rules would decide</caption>
              <thead>
                <tr>
                  <th scope="col">Invitation</th>
                  <th scope="col">Case type</th>
                  <th scope="col">Decided</th>
                  <th scope="col">These rules</th>
                </tr>
              </thead>
              <tbody>
                {rows.items.map((r) => (
                  <tr key={r.invitationId} class={r.differs ? 'differs' : ''}>
                    <td>
                      <code>{r.invitationId}</code>
                      {!r.factsKept && <span class="hint"> (no facts kept)</span>}
                    </td>
                    <td>{r.caseType ?? '—'}</td>
                    <td>
                      {r.decided.description} <span class="hint">({r.decided.by})</span>
                    </td>
                    <td>
                      {r.differs && <strong>Differs: </strong>}
                      {r.wouldDecide.description}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
