/** Recent decisions and actions with who decided and the outcome; failed jobs (admins retry); cases near the 90-day limit. */
import { useEffect, useState } from 'preact/hooks';
import { api, type Activity } from './api.js';
import { when } from './format.js';

export function ActivityView({ canRetry, tick }: { canRetry: boolean; tick: number }) {
  const [data, setData] = useState<Activity | null>(null);
  const [error, setError] = useState('');
  const [message, setMessage] = useState('');
  const [reload, setReload] = useState(0);
  useEffect(() => {
    let live = true;
    api
      .activity()
      .then((a) => live && (setData(a), setError('')))
      .catch((err: Error) => live && setError(err.message));
    return () => {
      live = false;
    };
  }, [tick, reload]);

  const retry = async (queue: string, id: string) => {
    try {
      await api.retry(queue, id);
      setMessage(`Job ${id} of ${queue} is being retried.`);
    } catch (err) {
      setMessage(`Retry of ${id} refused: ${(err as Error).message}`);
    }
    setReload((n) => n + 1);
  };

  return (
    <section aria-labelledby="activity-title">
      <h2 id="activity-title">Activity</h2>
      {error && (
        <p role="alert" class="error">
          Could not load activity: {error}
        </p>
      )}
      <p aria-live="polite" class="notice-line">
        {message}
      </p>
      {data && (
        <>
          <h3>Recent decisions and actions</h3>
          {data.items.length === 0 ? (
            <p class="empty">Nothing yet.</p>
          ) : (
            <table>
              <caption class="sr-only">Recent decisions and actions, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Invitation</th>
                  <th scope="col">What happened</th>
                  <th scope="col">Who or what</th>
                  <th scope="col">Outcome</th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((i) => (
                  <tr key={i.cursor} class={i.outcome}>
                    <td>{when(i.occurredAt)}</td>
                    <td>
                      <code>{i.invitationId ?? '—'}</code>
                    </td>
                    <td>{i.summary}</td>
                    <td>{i.by}</td>
                    <td>{i.outcome === 'ok' ? 'OK' : i.outcome === 'failed' ? 'Failed' : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <h3>Failed jobs</h3>
          {data.failed.length === 0 ? (
            <p class="empty">No failed jobs.</p>
          ) : (
            <table>
              <caption class="sr-only">Failed jobs with their reasons</caption>
              <thead>
                <tr>
                  <th scope="col">Queue</th>
                  <th scope="col">Job</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Failed</th>
                  {canRetry && <th scope="col">Action</th>}
                </tr>
              </thead>
              <tbody>
                {data.failed.map((j) => (
                  <tr key={`${j.queue}/${j.id}`}>
                    <td>{j.queue}</td>
                    <td>
                      <code>{j.name}</code> {j.id}
                    </td>
                    <td>{j.failedReason}</td>
                    <td>
                      {when(j.failedAt)} after {j.attemptsMade} of {j.maxAttempts} attempts
                    </td>
                    {canRetry && (
                      <td>
                        <button type="button" onClick={() => void retry(j.queue, j.id)} aria-label={`Retry job ${j.id} of ${j.queue}`}>
                          Retry
                        </button>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {!canRetry && data.failed.length > 0 && <p class="hint">Retrying needs the admin role.</p>}
          <h3>Cases near the {data.updateRule.limitDays}-day update limit</h3>
          {data.updateDue.length === 0 ? (
            <p class="empty">No accepted case has gone {data.updateRule.warnAfterDays} days without an update.</p>
          ) : (
            <table>
              <caption class="sr-only">Accepted cases whose last update is old, oldest first</caption>
              <thead>
                <tr>
                  <th scope="col">Case</th>
                  <th scope="col">Last update</th>
                  <th scope="col">Due by</th>
                  <th scope="col">Days left</th>
                </tr>
              </thead>
              <tbody>
                {data.updateDue.map((c) => (
                  <tr key={c.caseId} class={c.daysLeft < 0 ? 'failed' : ''}>
                    <td>
                      <code>{c.caseId}</code>
                    </td>
                    <td>{when(c.lastUpdate)}</td>
                    <td>{when(c.dueAt)}</td>
                    <td>{c.daysLeft}</td>
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
