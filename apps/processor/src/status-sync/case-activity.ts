/**
 * The 90-day rule's memory: when each accepted case last had an update sent to Lexamica (one Redis
 * sorted set, score = epoch ms), which due date was last announced for it (a hash), so the hourly
 * check announces each due date once however often it runs, and which cases ended (a hash: case →
 * the invitation that ended it), so a late `Accepted` event or a stray update does not track a
 * closed case again, while a new invitation of the same case, once accepted, does.
 */
import type { Redis } from 'ioredis';
import type { Keyspace } from '@lexbridge/infra/redis';
import { processorScripts } from '../commands/index.js';

/** A tracked case and the time of its last update (epoch ms). */
export interface CaseLastUpdate {
  caseId: string;
  lastUpdateMs: number;
}

export interface CaseActivity {
  /**
   * The case's invitation was accepted: track the case from `at`. A case already tracked keeps its
   * time; a case that this same invitation's end stopped is not tracked again.
   */
  started(caseId: string, invitationId: string, at: Date): Promise<void>;
  /** An update was sent at `at`: the time only ever moves forward. Tracks the case unless it ended. */
  updated(caseId: string, at: Date): Promise<void>;
  /** The case needs no more updates (declined, closed, cancelled; by `invitationId`): stop tracking it. */
  ended(caseId: string, invitationId: string): Promise<void>;
  /** When the case's last update was sent; undefined when it is not tracked. */
  lastUpdate(caseId: string): Promise<number | undefined>;
  /** Tracked cases whose last update is at or before `before`, oldest first, `batch` at a time. */
  staleSince(before: Date, batch?: number): AsyncGenerator<CaseLastUpdate[]>;
  /** How many tracked cases had their last update at or before `before`. */
  countStale(before: Date): Promise<number>;
  /** The tracked case with the oldest last update. */
  oldest(): Promise<CaseLastUpdate | undefined>;
  /** The due date (ISO) last announced for the case. */
  announcedDue(caseId: string): Promise<string | undefined>;
  markAnnounced(caseId: string, dueAt: string): Promise<void>;
}

export function createCaseActivity(redis: Redis, keyspace: Keyspace): CaseActivity {
  const lastKey = keyspace.key('status-sync', 'last-update');
  const announcedKey = keyspace.key('status-sync', 'due-announced');
  const endedKey = keyspace.key('status-sync', 'ended');
  processorScripts.define(redis);

  return {
    async started(caseId, invitationId, at) {
      await processorScripts.run(redis, 'startCaseActivity', [lastKey, endedKey], [caseId, invitationId, at.getTime()]);
    },
    async updated(caseId, at) {
      await processorScripts.run(redis, 'updateCaseActivity', [lastKey, endedKey], [caseId, at.getTime()]);
    },
    async ended(caseId, invitationId) {
      await redis.multi().zrem(lastKey, caseId).hdel(announcedKey, caseId).hset(endedKey, caseId, invitationId).exec();
    },
    async lastUpdate(caseId) {
      const score = await redis.zscore(lastKey, caseId);
      return score === null ? undefined : Number(score);
    },
    async *staleSince(before, batch = 500) {
      // Offset paging: a case updated meanwhile leaves the range and may shift one case past this
      // run; the next scheduled check finds it, so nothing is missed for longer than one interval.
      for (let offset = 0; ; offset += batch) {
        const flat = await redis.zrangebyscore(lastKey, '-inf', before.getTime(), 'WITHSCORES', 'LIMIT', offset, batch);
        const page: CaseLastUpdate[] = [];
        for (let i = 0; i < flat.length; i += 2) page.push({ caseId: flat[i]!, lastUpdateMs: Number(flat[i + 1]) });
        if (page.length > 0) yield page;
        if (page.length < batch) return;
      }
    },
    countStale: (before) => redis.zcount(lastKey, '-inf', before.getTime()),
    async oldest() {
      const [caseId, score] = await redis.zrange(lastKey, 0, 0, 'WITHSCORES');
      return caseId === undefined ? undefined : { caseId, lastUpdateMs: Number(score) };
    },
    async announcedDue(caseId) {
      return (await redis.hget(announcedKey, caseId)) ?? undefined;
    },
    async markAnnounced(caseId, dueAt) {
      await redis.hset(announcedKey, caseId, dueAt);
    },
  };
}
