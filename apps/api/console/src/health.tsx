/** The health strip: poll lag, queue depths, stuck invitations, Lexamica errors in the last hour. */
import { useEffect, useState } from 'preact/hooks';
import { api, type Health } from './api.js';

const REFRESH_MS = 10_000;

export function HealthStrip({ tick, connected }: { tick: number; connected: boolean }) {
  const [health, setHealth] = useState<Health | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    let live = true;
    const load = () =>
      api
        .health()
        .then((h) => live && (setHealth(h), setError('')))
        .catch((err: Error) => live && setError(err.message));
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [tick]);

  // Delayed jobs are mostly expiry guards waiting for their time: shown in the tooltip, not counted as a backlog.
  const waiting = health ? Object.values(health.queues).reduce((n, q) => n + q.waiting + q.active, 0) : 0;
  const failed = health ? Object.values(health.queues).reduce((n, q) => n + q.failed, 0) : 0;
  const lag = health?.pollLagSeconds;
  return (
    <section class="health" aria-label="Health">
      {error && <p class="error">Health unavailable: {error}</p>}
      {health && (
        <dl>
          <div class={lag !== null && lag !== undefined && lag > 300 ? 'bad' : ''}>
            <dt>Poll lag</dt>
            <dd>{lag === null || lag === undefined ? 'no poll yet' : `${lag} s`}</dd>
          </div>
          <div title={Object.entries(health.queues).map(([q, c]) => `${q}: ${c.waiting} waiting, ${c.active} active, ${c.delayed} delayed, ${c.failed} failed`).join('\n')}>
            <dt>Jobs waiting or running</dt>
            <dd>{waiting}</dd>
          </div>
          <div class={failed > 0 ? 'bad' : ''}>
            <dt>Failed jobs</dt>
            <dd>{failed}</dd>
          </div>
          <div class={health.stuck > 0 ? 'bad' : ''}>
            <dt>Stuck invitations</dt>
            <dd>{health.stuck}</dd>
          </div>
          <div class={health.lexamicaErrorsLastHour > 0 ? 'bad' : ''}>
            <dt>Lexamica errors (1 h)</dt>
            <dd>{health.lexamicaErrorsLastHour}</dd>
          </div>
          <div class={connected ? '' : 'bad'}>
            <dt>Live updates</dt>
            <dd>{connected ? 'on' : 'reconnecting'}</dd>
          </div>
        </dl>
      )}
    </section>
  );
}
