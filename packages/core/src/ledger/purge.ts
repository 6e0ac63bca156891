/**
 * A deletion request for one case (`lexbridge purge --case <id>`): everything Lexbridge holds about
 * it goes (its invitation records and their indexes, the case link, every feed item and every
 * finished job that names the case or one of its invitations, the files those jobs uploaded, and
 * the 90-day rule's tracking of the case), and the CMS hears that it happened from an
 * `admin.action` item that carries ids and counts only.
 */
import { randomUUID } from 'node:crypto';
import type { Keyspace, RedisClient } from '@lexbridge/infra/redis';
import { mentionsAny, type Feed, type FeedItem } from '../feed/index.js';
import type { QueueSet } from '../jobs/index.js';
import { caseActivityKeys } from './keys.js';
import type { Ledger } from './ledger.js';

export interface PurgeCaseDeps {
  ledger: Pick<Ledger, 'purgeCase'>;
  feed: Pick<Feed, 'purgeMentioning' | 'append'>;
  queues: Pick<QueueSet, 'all'>;
  /** The installation's Redis and keyspace: the case's 90-day tracking and its jobs' uploads live there. */
  redis: RedisClient;
  keyspace: Keyspace;
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
  /** Uploaded files (a retainer PDF waiting for a retry) of those jobs, removed. */
  uploads: number;
  /** Entries of the 90-day rule's tracking of the case removed (last update, announced due date, ended): 0 to 3. */
  caseActivity: number;
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

const isPurgeReport = (item: FeedItem) => item.type === 'admin.action' && item.data.action === 'purge-case';

/**
 * The upload keys a job's data names (an `UploadRef`: `{ key, encoding: 'base64', … }`), only
 * under this installation's `upload:` prefix, at any depth.
 */
function uploadKeysIn(data: unknown, prefix: string, found: string[] = []): string[] {
  if (Array.isArray(data)) {
    for (const v of data) uploadKeysIn(v, prefix, found);
  } else if (data !== null && typeof data === 'object') {
    const o = data as Record<string, unknown>;
    if (typeof o.key === 'string' && o.encoding === 'base64' && o.key.startsWith(prefix)) found.push(o.key);
    for (const v of Object.values(o)) uploadKeysIn(v, prefix, found);
  }
  return found;
}

export async function purgeCase(deps: PurgeCaseDeps, caseId: string): Promise<PurgeCaseReport> {
  const invitations = await deps.ledger.purgeCase(caseId);
  const ids = new Set([caseId, ...invitations]);
  // An earlier purge's own report (ids and counts only) stays: running the purge again, as exit
  // code 3 asks, must not erase the record that the case was purged.
  const feedItems = await deps.feed.purgeMentioning(ids, isPurgeReport);
  let jobs = 0;
  let uploads = 0;
  const uploadPrefix = deps.keyspace.key('upload', '');
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
            // A failed send keeps its upload for a manual retry: it goes with the job. A job still
            // to run keeps its own (it needs it); the purge run after it finishes takes it.
            const files = uploadKeysIn(job.data, uploadPrefix);
            await job.remove();
            jobs += 1;
            if (files.length > 0) uploads += await deps.redis.del(...files);
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
  // Last, so an update sent while the jobs were read does not track the case again unnoticed (a job
  // still to run may, which is why the purge is run again once it has finished).
  const activity = caseActivityKeys(deps.keyspace);
  const replies = await deps.redis.multi().zrem(activity.lastUpdate, caseId).hdel(activity.announced, caseId).hdel(activity.ended, caseId).exec();
  const caseActivity = (replies ?? []).reduce((n, [err, removed]) => {
    if (err) throw err;
    return n + Number(removed);
  }, 0);
  const at = (deps.now ?? (() => new Date()))();
  const { cursor } = await deps.feed.append({
    id: `admin:${randomUUID()}`,
    type: 'admin.action',
    occurredAt: at.toISOString(),
    data: { action: 'purge-case', by: deps.by, caseId, invitations: invitations.length, feedItems, jobs, uploads, caseActivity, pendingJobs: pendingJobs.length },
  });
  return { caseId, invitations, feedItems, jobs, uploads, caseActivity, pendingJobs, cursor };
}
