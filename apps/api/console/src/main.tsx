/** The intake console: sign in, then what waits, activity and rules what-if, under a health strip. */
import { render } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, ApiFailure, useCsrf, type Session } from './api.js';
import { ActivityView } from './activity.js';
import { HealthStrip } from './health.js';
import { SignIn } from './sign-in.js';
import { WaitingView } from './waiting.js';
import { WhatIfView } from './what-if.js';
import './styles.css';

type View = 'waiting' | 'activity' | 'what-if';
const VIEWS: Array<{ id: View; label: string }> = [
  { id: 'waiting', label: 'Waiting for a person' },
  { id: 'activity', label: 'Activity' },
  { id: 'what-if', label: 'Rules: what if' },
];

/** A counter bumped by each server-sent event, so views re-read what changed. */
function useFeedEvents(active: boolean): { tick: number; lastIds: string[]; connected: boolean } {
  const [state, setState] = useState({ tick: 0, lastIds: [] as string[], connected: false });
  useEffect(() => {
    if (!active) return;
    const source = new EventSource('/console/api/stream');
    source.onopen = () => setState((s) => ({ ...s, connected: true }));
    source.onerror = () => setState((s) => ({ ...s, connected: false }));
    const bump = (ids: string[]) => setState((s) => ({ tick: s.tick + 1, lastIds: ids, connected: true }));
    source.addEventListener('feed', (e) => {
      const data = JSON.parse((e as MessageEvent<string>).data) as { invitationId: string | null };
      bump(data.invitationId ? [data.invitationId] : []);
    });
    source.addEventListener('resync', () => bump([]));
    return () => source.close();
  }, [active]);
  return state;
}

function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [view, setView] = useState<View>('waiting');
  const feed = useFeedEvents(Boolean(session));

  useEffect(() => {
    api
      .session()
      .then((s) => {
        useCsrf(s.csrfToken);
        setSession(s);
      })
      .catch(() => setSession(null));
  }, []);

  const signedIn = useCallback((s: Session) => {
    useCsrf(s.csrfToken);
    setSession(s);
  }, []);

  const signOut = async () => {
    await api.signOut().catch((err: unknown) => {
      if (!(err instanceof ApiFailure) || err.status !== 401) throw err;
    });
    setSession(null);
  };

  if (session === undefined) return <p class="loading">Loading…</p>;
  if (session === null) return <SignIn onSignedIn={signedIn} />;

  const canDecide = session.identity.roles.includes('intake');
  return (
    <>
      <header class="top">
        <h1>Lexbridge intake</h1>
        <p class="who">
          Signed in as <strong>{session.identity.name}</strong> ({session.identity.roles.join(', ')}){session.shadow && <span class="badge warn">shadow mode: nothing is sent</span>}
        </p>
        <button type="button" class="secondary" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <HealthStrip tick={feed.tick} connected={feed.connected} />
      <nav aria-label="Views">
        <ul class="tabs">
          {VIEWS.map((v) => (
            <li key={v.id}>
              <button type="button" aria-current={view === v.id ? 'page' : undefined} onClick={() => setView(v.id)}>
                {v.label}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      <main>
        {view === 'waiting' && <WaitingView session={session} canDecide={canDecide} tick={feed.tick} changed={feed.lastIds} />}
        {view === 'activity' && <ActivityView canRetry={session.identity.roles.includes('admin')} tick={feed.tick} />}
        {view === 'what-if' && <WhatIfView />}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
