/**
 * Which invitation a case is on: Lexamica's case id (`referral._id`) → the invitation id, so the
 * status updates and milestones a CMS sends by case reach the invitation calls. A case invited to
 * the firm more than once keeps each invitation, scored by when it was sent: the latest wins,
 * whatever order the events were processed in.
 */
import type { Keyspace, RedisClient } from '@lexbridge/infra/redis';

export interface CaseIndex {
  /** Records that `invitationId` is about `caseId`, sent at `sentAt` (ISO). Idempotent. */
  link(caseId: string, invitationId: string, sentAt: string): Promise<void>;
  /** The latest invitation of the case; undefined when none was recorded. */
  invitationOf(caseId: string): Promise<string | undefined>;
}

/** The sorted set of a case's invitations (the ledger's `receive` links a case in its own script). */
export function caseIndexKey(keyspace: Keyspace, caseId: string): string {
  return keyspace.key('ledger', 'case', caseId);
}

/** A link's score: when the invitation was sent (epoch ms; 0 when unreadable). */
export function caseLinkScore(sentAt: string): number {
  const ms = Date.parse(sentAt);
  return Number.isFinite(ms) ? ms : 0;
}

export function createCaseIndex(redis: RedisClient, keyspace: Keyspace): CaseIndex {
  const key = (caseId: string) => caseIndexKey(keyspace, caseId);
  return {
    async link(caseId, invitationId, sentAt) {
      await redis.zadd(key(caseId), caseLinkScore(sentAt), invitationId);
    },
    async invitationOf(caseId) {
      const [latest] = await redis.zrevrange(key(caseId), 0, 0);
      return latest;
    },
  };
}
