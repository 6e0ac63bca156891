/**
 * `case.update-due-check` (hourly, from a job scheduler): Lexamica expects an update on every
 * accepted case at least every `statusSync.limitDays` (90). Every tracked case whose last update is
 * `warnAfterDays` (80) old or more is announced as `case.update-due`, once per case and due date: a
 * new update moves the due date, and the next time it nears, it is announced again.
 */
import type { Handler } from '@lexbridge/core/jobs';
import { dueAtMs, warnBeforeMs } from '@lexbridge/core/ledger';
import { updateDueItem } from '../announce.js';
import type { ProcessorContext } from '../context.js';

/** What this module uses of the processor's context. */
export type UpdateDueCheckDeps = Pick<ProcessorContext, 'announcer' | 'caseActivity' | 'cases' | 'now' | 'statusSync'>;

export function createUpdateDueCheckHandler(ctx: UpdateDueCheckDeps): Handler<'case.update-due-check'> {
  return async (_payload, jc) => {
    const now = ctx.now();
    const rule = ctx.statusSync;
    let due = 0;
    let announced = 0;
    for await (const page of ctx.caseActivity.staleSince(new Date(warnBeforeMs(now.getTime(), rule)))) {
      for (const { caseId, lastUpdateMs } of page) {
        due += 1;
        const dueAt = new Date(dueAtMs(lastUpdateMs, rule)).toISOString();
        if ((await ctx.caseActivity.announcedDue(caseId)) === dueAt) continue;
        const invitationId = await ctx.cases.invitationOf(caseId);
        await ctx.announcer.announce(updateDueItem({ caseId, lastUpdateMs, dueAt, limitDays: rule.limitDays, ...(invitationId !== undefined && { invitationId }) }, now));
        // After the announcement: a crash in between announces again, which the feed dedupes.
        await ctx.caseActivity.markAnnounced(caseId, dueAt);
        announced += 1;
      }
    }
    if (announced > 0) jc.logger.info({ due, announced }, 'cases nearing the update limit announced');
    return `${due} due, ${announced} announced`;
  };
}
