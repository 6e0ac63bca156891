/**
 * Per outbound job, what each step has done (`sending` → `sent`), in a Redis hash kept 31 days (past
 * the failed set's 30, so a replay also skips what already went through). A retry, or a replay
 * after a crash between Lexamica's answer and the job's completion, skips a step recorded `sent`.
 * A step left `sending` means an attempt's outcome is unknown (a crash, a 5xx, a timeout): it is
 * sent again, so Lexamica may get it twice, because Lexamica offers no idempotency for these calls
 * and a duplicated note is the lesser harm than a lost one.
 */
import type { RedisClient } from '@lexbridge/infra/redis';
import type { Keyspace } from '@lexbridge/infra/redis';

export type StepState = 'sending' | 'sent';

/** What an attempt recorded about one step. */
export interface StepRecord {
  state: StepState;
  /** The job attempt that recorded it (1 = first). */
  attempt: number;
  /** ISO time of the record. */
  at: string;
}

export interface OutboundSteps {
  get(jobId: string, step: string): Promise<StepRecord | undefined>;
  mark(jobId: string, step: string, state: StepState, attempt: number): Promise<void>;
  /** Forgets the step: Lexamica refused it (429, 4xx), so it never took effect. */
  clear(jobId: string, step: string): Promise<void>;
}

const TTL_SEC = 31 * 86_400;

export function createOutboundSteps(redis: RedisClient, keyspace: Keyspace, now: () => Date): OutboundSteps {
  const key = (jobId: string) => keyspace.key('outbound', 'steps', jobId);
  return {
    async get(jobId, step) {
      const json = await redis.hget(key(jobId), step);
      return json === null ? undefined : (JSON.parse(json) as StepRecord);
    },
    async mark(jobId, step, state, attempt) {
      const record: StepRecord = { state, attempt, at: now().toISOString() };
      await redis.multi().hset(key(jobId), step, JSON.stringify(record)).expire(key(jobId), TTL_SEC).exec();
    },
    async clear(jobId, step) {
      await redis.hdel(key(jobId), step);
    },
  };
}
