/**
 * What waits for a person, soonest expiry first, with a live countdown; deciding one (accept,
 * decline with a reason, evaluate) after a confirmation; and what became of each decision, mine or
 * another person's, as Lexamica's answer arrives.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiFailure, type Invitation, type Session, type WaitingItem } from './api.js';
import { money, place, timeLeft, when } from './format.js';
import { describeOutcome, isSettled } from './outcome.js';

type Action = 'accept' | 'decline' | 'evaluate';
interface Outcome {
  record: Invitation;
  mine: boolean;
}

const POLL_MS = 1_000;

function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

export function WaitingView({ session, canDecide, tick, changed }: { session: Session; canDecide: boolean; tick: number; changed: string[] }) {
  const [items, setItems] = useState<WaitingItem[] | null>(null);
  const [error, setError] = useState('');
  const [outcomes, setOutcomes] = useState<Record<string, Outcome>>({});
  const shown = useRef(new Set<string>());
  const now = useNow();

  const track = (record: Invitation, mine: boolean) => setOutcomes((o) => ({ ...o, [record.invitationId]: { record, mine: o[record.invitationId]?.mine ?? mine } }));

  useEffect(() => {
    let live = true;
    api
      .waiting()
      .then(async (w) => {
        if (!live) return;
        setItems(w.items);
        setError('');
        // An invitation that left the list while on screen was decided by someone (or something): say so.
        const ids = new Set(w.items.map((i) => i.invitation.invitationId));
        const gone = [...shown.current].filter((id) => !ids.has(id));
        shown.current = ids;
        for (const id of gone) {
          const record = await api.invitation(id).catch(() => undefined);
          if (live && record) track(record, false);
        }
      })
      .catch((err: Error) => live && setError(err.message));
    return () => {
      live = false;
    };
  }, [tick]);

  // Follow each decision until Lexamica's answer is in.
  const pending = Object.values(outcomes).filter((o) => !isSettled(o.record)).map((o) => o.record.invitationId);
  useEffect(() => {
    if (pending.length === 0) return;
    const timer = setTimeout(() => {
      for (const id of pending) void api.invitation(id).then((r) => track(r, false));
    }, POLL_MS);
    return () => clearTimeout(timer);
  }, [pending.join(','), outcomes, changed]);

  const decided = async (id: string, body: { action: Action; reason?: string; details?: string }): Promise<string | undefined> => {
    try {
      const { invitation } = await api.decide(id, body);
      track(invitation, true);
      setItems((list) => list?.filter((i) => i.invitation.invitationId !== id) ?? null);
      shown.current.delete(id);
      return undefined;
    } catch (err) {
      if (err instanceof ApiFailure && err.status === 409) {
        const record = await api.invitation(id).catch(() => undefined);
        if (record) track(record, false);
        setItems((list) => list?.filter((i) => i.invitation.invitationId !== id) ?? null);
        shown.current.delete(id);
        return undefined;
      }
      return err instanceof Error ? err.message : String(err);
    }
  };

  const results = Object.values(outcomes).sort((a, b) => b.record.invitationId.localeCompare(a.record.invitationId));
  return (
    <section aria-labelledby="waiting-title">
      <h2 id="waiting-title">
        Waiting for a person {items && <span class="count">({items.length})</span>}
      </h2>
      {!canDecide && <p class="notice">You can see what waits; deciding needs the intake role.</p>}
      <div aria-live="polite" class="results">
        {results.map((o) => {
          const { text, tone } = describeOutcome(o.record, o.mine);
          return (
            <p key={o.record.invitationId} class={`result ${tone}`} data-invitation={o.record.invitationId}>
              <strong>{o.record.facts?.caseType ?? o.record.caseType ?? 'Invitation'}</strong> <code>{o.record.invitationId}</code>: {text}
            </p>
          );
        })}
      </div>
      {error && (
        <p role="alert" class="error">
          Could not load the list: {error}
        </p>
      )}
      {items?.length === 0 && <p class="empty">Nothing waits for a person right now. New invitations appear here as they arrive.</p>}
      <ol class="cards">
        {items?.map((item) => (
          <li key={item.invitation.invitationId}>
            <Card item={item} now={now} canDecide={canDecide} reasons={session.declineReasons} onDecide={decided} />
          </li>
        ))}
      </ol>
    </section>
  );
}

function Card({ item, now, canDecide, reasons, onDecide }: { item: WaitingItem; now: number; canDecide: boolean; reasons: string[]; onDecide: (id: string, body: { action: Action; reason?: string; details?: string }) => Promise<string | undefined> }) {
  const r = item.invitation;
  const f = r.facts;
  const id = r.invitationId;
  const [confirming, setConfirming] = useState<Action | null>(null);
  const urgent = Date.parse(r.expires) - now < 2 * 3_600_000;
  const titleId = `inv-${id}`;
  return (
    <article class={`card${urgent ? ' urgent' : ''}`} aria-labelledby={titleId} data-invitation={id}>
      <header>
        <h3 id={titleId}>
          {f?.caseType ?? r.caseType ?? 'Case type not given'} <span class="place">{place(f)}</span>
        </h3>
        <p class="countdown" aria-label={`Expires ${when(r.expires)}`}>
          {timeLeft(r.expires, now)}
        </p>
      </header>
      <dl class="facts">
        <div>
          <dt>Estimated value</dt>
          <dd>{money(f?.estimatedValue)}</dd>
        </div>
        <div>
          <dt>Incident date</dt>
          <dd>{f?.incident?.date ?? 'not given'}</dd>
        </div>
        <div>
          <dt>Referring firm</dt>
          <dd>{f?.originator?.name ?? 'not given'}</dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd>{item.evaluating ? 'evaluating (more time given)' : r.state === 'shadow' ? 'shadow decision' : 'waiting'}</dd>
        </div>
        {f?.client && (
          <div>
            <dt>Client</dt>
            <dd>{[f.client.firstName, f.client.lastName, f.client.email, f.client.phone].filter(Boolean).join(' · ')}</dd>
          </div>
        )}
      </dl>
      {f?.description && <p class="summary">{f.description}</p>}
      {!f && <p class="hint">Recorded before case facts were kept: only the case type is known here.</p>}
      <p class="why">
        <strong>Why a person decides:</strong> {item.why}
      </p>
      <p class="meta">
        {item.capacity ? `Capacity today: ${item.capacity.used} of ${item.capacity.limit} automatic ${item.capacity.caseType} accepts used. ` : ''}
        {item.guard ? `Expiry guard: will ${item.guard.do === 'evaluate' ? 'ask Lexamica for more time' : 'alert the CMS'} at ${when(item.guard.at)} (${timeLeft(item.guard.at, now).replace(' left', ' from now')}).` : ''}{' '}
        <span class="id">Invitation {id}</span>
      </p>
      {canDecide && !confirming && (
        <div class="actions" role="group" aria-label={`Decide invitation ${id}`}>
          <button type="button" onClick={() => setConfirming('accept')}>
            Accept…
          </button>
          <button type="button" class="danger" onClick={() => setConfirming('decline')}>
            Decline…
          </button>
          <button type="button" class="secondary" onClick={() => setConfirming('evaluate')}>
            Ask for more time (evaluate)…
          </button>
        </div>
      )}
      {canDecide && confirming && <Confirm id={id} action={confirming} reasons={reasons} onCancel={() => setConfirming(null)} onDecide={onDecide} />}
    </article>
  );
}

const VERB: Record<Action, string> = { accept: 'Accept', decline: 'Decline', evaluate: 'Ask for more time on' };

function Confirm({ id, action, reasons, onCancel, onDecide }: { id: string; action: Action; reasons: string[]; onCancel: () => void; onDecide: (id: string, body: { action: Action; reason?: string; details?: string }) => Promise<string | undefined> }) {
  const [reason, setReason] = useState('');
  const [details, setDetails] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  // The first control of the confirmation takes focus, so a keyboard user lands where the choice is.
  const firstSelect = useRef<HTMLSelectElement>(null);
  const firstButton = useRef<HTMLButtonElement>(null);
  useEffect(() => (firstSelect.current ?? firstButton.current)?.focus(), []);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (action === 'decline' && !reason) {
      setError('Choose a reason: Lexamica requires one for a decline.');
      return;
    }
    setBusy(true);
    const failed = await onDecide(id, { action, ...(action === 'decline' && { reason, ...(details.trim() && { details: details.trim() }) }) });
    setBusy(false);
    if (failed) setError(failed);
  };

  return (
    <form class="confirm" noValidate onSubmit={(e) => void submit(e)} aria-label={`Confirm: ${VERB[action].toLowerCase()} invitation ${id}`}>
      <p>
        <strong>{VERB[action]} this invitation?</strong> {action === 'evaluate' ? 'Lexamica is asked for more time; it comes back here.' : 'This is sent to Lexamica and cannot be undone.'}
      </p>
      {action === 'decline' && (
        <>
          <label for={`reason-${id}`}>Reason (required)</label>
          <select id={`reason-${id}`} ref={firstSelect} required value={reason} onChange={(e) => (setReason(e.currentTarget.value), setError(""))} aria-invalid={error && !reason ? 'true' : undefined}>
            <option value="">Choose a reason…</option>
            {reasons.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
          <label for={`details-${id}`}>Details for Lexamica (optional)</label>
          <textarea id={`details-${id}`} rows={2} maxLength={1500} value={details} onInput={(e) => setDetails(e.currentTarget.value)} />
        </>
      )}
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      <div class="actions">
        <button type="submit" ref={action === 'decline' ? undefined : firstButton} class={action === 'decline' ? 'danger' : ''} disabled={busy}>
          {busy ? 'Sending…' : `Confirm ${action}`}
        </button>
        <button type="button" class="secondary" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}
