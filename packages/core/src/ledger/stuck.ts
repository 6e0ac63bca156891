/**
 * Stuck invitations: records that sit in a state where something is still to happen
 * ({@link WATCHED_STATES}) past that state's deadline. The deadlines (the `watchdog` section of the
 * firm YAML) are a longest stay per state, and for every watched state a time after the
 * invitation's expiry. Read fresh from the ledger's indexes whenever asked (the processor's
 * watchdog job and metrics, `lexbridge status`), so the answer is never stale.
 */
import type { Keyspace, RedisClient } from '@lexbridge/infra/redis';
import { z } from 'zod';
import { durationMsSchema } from '../rules/index.js';
import { ledgerKeys } from './keys.js';
import { WATCHED_STATES, type LedgerRecord, type WatchedState } from './record.js';

/** When a record counts as stuck. */
export interface WatchdogPolicy {
  /**
   * Longest stay in each state, in ms. Defaults: received 10 min (deciding takes seconds), decided
   * 30 min (waiting in the invitation-actions queue, a rate limit), acting 30 min (the action and
   * its retries with read-backs). `manual` and `shadow` wait for a person: only the expiry bounds them.
   */
  maxStayMs: Partial<Record<WatchedState, number>>;
  /** A record still in any watched state this long after its invitation's expiry is stuck. Default 1 h. */
  afterExpiryMs: number;
  /** How often the processor's watchdog looks. Default 1 min. */
  checkEveryMs: number;
}

const MINUTE = 60_000;

export const DEFAULT_WATCHDOG: WatchdogPolicy = {
  maxStayMs: { received: 10 * MINUTE, decided: 30 * MINUTE, acting: 30 * MINUTE },
  afterExpiryMs: 60 * MINUTE,
  checkEveryMs: MINUTE,
};

/** The `watchdog` section of the firm YAML: durations such as `30m`; every key optional. */
export const watchdogConfigSchema = z
  .strictObject(
    {
      received: durationMsSchema.optional(),
      decided: durationMsSchema.optional(),
      acting: durationMsSchema.optional(),
      afterExpiry: durationMsSchema.optional(),
      checkEvery: durationMsSchema.optional(),
    },
    { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown key; the watchdog has received, decided, acting, afterExpiry and checkEvery` : undefined) },
  )
  .default({})
  .transform(
    (w): WatchdogPolicy => ({
      maxStayMs: {
        received: w.received ?? DEFAULT_WATCHDOG.maxStayMs.received!,
        decided: w.decided ?? DEFAULT_WATCHDOG.maxStayMs.decided!,
        acting: w.acting ?? DEFAULT_WATCHDOG.maxStayMs.acting!,
      },
      afterExpiryMs: w.afterExpiry ?? DEFAULT_WATCHDOG.afterExpiryMs,
      checkEveryMs: w.checkEvery ?? DEFAULT_WATCHDOG.checkEveryMs,
    }),
  );

/** A record past its deadline, and why. */
export interface StuckRecord {
  record: LedgerRecord & { state: WatchedState };
  /** When it entered its state (ISO). */
  since: string;
  /** When it should have left it (ISO). */
  deadline: string;
  /** What is wrong and where to look. */
  reason: string;
}

/** What to look at, per state, when a record stays too long. */
const WHERE_TO_LOOK: Record<WatchedState, string> = {
  received: 'not decided: is a processor working the invitations queue?',
  decided: 'not sent: is the invitation-actions queue moving (backlog, rate limit, processors down)?',
  acting: 'the answer was sent or is being sent and its outcome is not known: the read-back keeps failing (see lastError)',
  manual: 'waiting for a person, and Lexamica has not said it expired: check the poller, then decide or close it',
  shadow: 'decided in shadow mode, and Lexamica has not said it expired: check the poller',
};

/** `45m`, `3h 20m`, `2d 4h`: how long, for a reason an operator reads. */
export function formatDuration(ms: number): string {
  const m = Math.floor(ms / MINUTE);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h}h ${m % 60}m` : `${h}h`;
  return h % 24 ? `${Math.floor(h / 24)}d ${h % 24}h` : `${Math.floor(h / 24)}d`;
}

/** When the record entered its current state, from its history (for records the index does not have). */
function enteredAt(r: LedgerRecord): number {
  let i = r.history.length - 1;
  while (i > 0 && r.history[i - 1]!.state === r.state) i -= 1;
  return Date.parse(r.history[i]?.at ?? r.updatedAt);
}

/**
 * Every record past its deadline at `now`, soonest deadline first (at most `limit` per state and
 * condition). A record is read again from its key, so one that moved on since the index was read is
 * left out.
 */
export async function findStuck(redis: RedisClient, keyspace: Keyspace, policy: WatchdogPolicy, now: Date, limit = 1_000): Promise<StuckRecord[]> {
  const keys = ledgerKeys(keyspace);
  const nowMs = now.getTime();
  const pipeline = redis.pipeline();
  for (const state of WATCHED_STATES) {
    const maxStay = policy.maxStayMs[state];
    if (maxStay !== undefined) pipeline.zrangebyscore(keys.since(state), '-inf', nowMs - maxStay, 'WITHSCORES', 'LIMIT', 0, limit);
    pipeline.zrangebyscore(keys.state(state), '-inf', nowMs - policy.afterExpiryMs, 'LIMIT', 0, limit);
  }
  const replies = (await pipeline.exec()) ?? [];
  for (const [err] of replies) if (err) throw err;
  // Per id: the state it was found in and, from the since index, when it entered that state.
  const candidates = new Map<string, { state: WatchedState; sinceMs?: number }>();
  let i = 0;
  for (const state of WATCHED_STATES) {
    if (policy.maxStayMs[state] !== undefined) {
      const flat = replies[i++]![1] as string[];
      for (let j = 0; j < flat.length; j += 2) candidates.set(flat[j]!, { state, sinceMs: Number(flat[j + 1]) });
    }
    for (const id of replies[i++]![1] as string[]) if (!candidates.has(id)) candidates.set(id, { state });
  }
  if (candidates.size === 0) return [];
  const ids = [...candidates.keys()];
  const jsons = await redis.mget(...ids.map((id) => keys.record(id)));
  const stuck: StuckRecord[] = [];
  jsons.forEach((json, n) => {
    if (json === null) return;
    const record = JSON.parse(json) as LedgerRecord;
    if (!(WATCHED_STATES as readonly string[]).includes(record.state)) return;
    const state = record.state as WatchedState;
    const found = candidates.get(ids[n]!)!;
    // Moved to another state since the index was read, or entered it before the index existed.
    const sinceMs = found.state === state && found.sinceMs !== undefined ? found.sinceMs : enteredAt(record);
    const maxStay = policy.maxStayMs[state];
    const byStay = maxStay === undefined ? Infinity : sinceMs + maxStay;
    const byExpiry = Date.parse(record.expires) + policy.afterExpiryMs;
    const deadline = Math.min(byStay, Number.isFinite(byExpiry) ? byExpiry : Infinity);
    if (!(deadline <= nowMs)) return;
    const what = deadline === byStay ? `${state} for ${formatDuration(nowMs - sinceMs)} (longest stay ${formatDuration(maxStay!)})` : `still ${state} ${formatDuration(nowMs - Date.parse(record.expires))} after its expiry`;
    stuck.push({
      record: record as StuckRecord['record'],
      since: new Date(sinceMs).toISOString(),
      deadline: new Date(deadline).toISOString(),
      reason: `${what}; ${WHERE_TO_LOOK[state]}`,
    });
  });
  return stuck.sort((a, b) => a.deadline.localeCompare(b.deadline));
}
