/**
 * A deletion request for one case (`lexbridge purge --case <id>`): everything Lexbridge holds about
 * it goes (its invitation records and their indexes, the case link, every feed item and every
 * finished job that names the case or one of its invitations), and the CMS hears that it happened
 * from an `admin.action` item that carries ids and counts only.
 */
import { randomUUID } from 'node:crypto';
import { mentionsAny, type Feed } from '../feed/index.js';
import type { QueueSet } from '../jobs/index.js';
import type { Ledger } from './ledger.js';

export interface PurgeCaseDeps {
  ledger: Pick<Ledger, 'purgeCase'>;
  feed: Pick<Feed, 'purgeMentioning' | 'append'>;
  queues: Pick<QueueSet, 'all'>;
  /** Who asked (the operator), named in the `admin.action` item. */
  by: string;
  now?: () => Date;
}

export interface PurgeCaseReport {
  caseId: string;
  /** The invitation records removed. */
  invitations: string[];
  feedItems: number;
  /** Finished (completed or failed) jobs removed. */
  jobs: number;
  /**
   * Jobs that name the case but have not finished (waiting, delayed, active): they were left to run,
   * since removing one could drop other cases' events from a batch. Purge again once they finish.
   */
  pendingJobs: string[];
  /** The cursor of the `admin.action` item that reports the purge. */
  cursor: string;
}

const PAGE = 500;
const JOB_STATES = ['completed', 'failed', 'waiting', 'delayed', 'prioritized', 'active', 'waiting-children'] as const;

export async function purgeCase(deps: PurgeCaseDeps, caseId: string): Promise<PurgeCaseReport> {
  const invitations = await deps.ledger.purgeCase(caseId);
  const ids = new Set([caseId, ...invitations]);
  const feedItems = await deps.feed.purgeMentioning(ids);
  let jobs = 0;
  const pendingJobs: string[] = [];
  for (const queue of deps.queues.all()) {
    for (const state of JOB_STATES) {
      const finished = state === 'completed' || state === 'failed';
      for (let start = 0; ; ) {
        const page = await queue.getJobs(state, start, start + PAGE - 1, true);
        let kept = 0;
        for (const job of page) {
          if (!job?.id || !mentionsAny(job.data, ids)) {
            kept += 1;
          } else if (finished) {
            await job.remove();
            jobs += 1;
          } else {
            pendingJobs.push(`${queue.name}/${job.id}`);
            kept += 1;
          }
        }
        if (page.length < PAGE) break;
        // Removed jobs leave the list: the next page starts after the ones kept.
        start += kept;
      }
    }
  }
  const at = (deps.now ?? (() => new Date()))();
  const { cursor } = await deps.feed.append({
    id: `admin:${randomUUID()}`,
    type: 'admin.action',
    occurredAt: at.toISOString(),
    data: { action: 'purge-case', by: deps.by, caseId, invitations: invitations.length, feedItems, jobs, pendingJobs: pendingJobs.length },
  });
  return { caseId, invitations, feedItems, jobs, pendingJobs, cursor };
}
