/**
 * `invitation.watchdog` (every minute, from a job scheduler): every invitation that sits in a state
 * where something is still to happen (received, decided, acting, manual, shadow, evaluating) past
 * that state's deadline is announced as `invitation.stuck`, with the reason and where to look, once
 * per stay; `lexbridge_invitations_stuck` counts them at every scrape. The expiry guard acts before
 * an expiry; the watchdog notices whatever it, or anything else, could not move.
 */
import type { Handler } from '@lexbridge/core/jobs';
import { stuckItem } from '../announce.js';
import type { ProcessorContext } from '../context.js';

/** What this module uses of the processor's context. */
export type WatchdogDeps = Pick<ProcessorContext, 'announcer' | 'metrics' | 'now' | 'stuck'> & { ledger: Pick<ProcessorContext['ledger'], 'purgeExpired'>; feed: Pick<ProcessorContext['feed'], 'trimExpired'> };

export function createWatchdogHandler(ctx: WatchdogDeps): Handler<'invitation.watchdog'> {
  return async (_payload, job) => {
    const now = ctx.now();
    const stuck = await ctx.stuck(now);
    let alerted = 0;
    for (const s of stuck) {
      if (!(await ctx.announcer.announce(stuckItem(s, now)))) continue;
      alerted += 1;
      ctx.metrics.stuckAlerts.inc({ state: s.record.state });
      job.logger.warn({ invitationId: s.record.invitationId, state: s.record.state, since: s.since, reason: s.reason, lastError: s.record.lastError }, 'invitation stuck');
    }
    // Retention rides on the same minute: final records past it leave their indexes and case links,
    // feed items past it leave the feed (only here: appends cap the feed's length, not its age).
    const purged = await ctx.ledger.purgeExpired();
    const trimmed = await ctx.feed.trimExpired();
    if (purged + trimmed > 0) job.logger.info({ purged, trimmed }, 'retention: records and feed items past their retention removed');
    return `${stuck.length} stuck, ${alerted} newly alerted; ${purged} records and ${trimmed} feed items past retention removed`;
  };
}
