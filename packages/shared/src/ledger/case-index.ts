/**
 * Which invitation a case is on: Lexamica's case id (`referral._id`) → the invitation id, so the
 * status updates and milestones a CMS sends by case reach the invitation calls. A case invited to
 * the firm more than once keeps each invitation, scored by when it was sent: the latest wins,
 * whatever order the events were processed in.
 */
import type { Redis } from 'ioredis';
import type { Keyspace } from '../redis/index.js';

export interface CaseIndex {
  /** Records that `invitationId` is about `caseId`, sent at `sentAt` (ISO). Idempotent. */
  link(caseId: string, invitationId: string, sentAt: string): Promise<void>;
  /** The latest invitation of the case; undefined when none was recorded. */
  invitationOf(caseId: string): Promise<string | undefined>;
}

export function createCaseIndex(redis: Redis, keyspace: Keyspace): CaseIndex {
  const key = (caseId: string) => keyspace.key('ledger', 'case', caseId);
  return {
    async link(caseId, invitationId, sentAt) {
      const ms = Date.parse(sentAt);
      await redis.zadd(key(caseId), Number.isFinite(ms) ? ms : 0, invitationId);
    },
    async invitationOf(caseId) {
      const [latest] = await redis.zrevrange(key(caseId), 0, 0);
      return latest;
    },
  };
}
