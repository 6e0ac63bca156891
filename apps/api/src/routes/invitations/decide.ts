/**
 * A person's decision on an invitation, however it arrives (the CMS's `POST /v1/invitations/:id/decision`
 * or the console): the ledger's guarded transition, then the `invitation.act` job. One path, so a
 * decision from the console is sent, retried, recorded and counted exactly like one from the CMS.
 */
import type { FastifyBaseLogger } from 'fastify';
import { enqueue, type QueueSet } from '@lexbridge/core/jobs';
import { actJobId, LedgerNotFoundError, LedgerTransitionError, observeDecision, type DecisionMetrics, type Ledger, type LedgerRecord, type ManualDecision } from '@lexbridge/core/ledger';
import { ApiError } from '../../errors.js';

/** Where a decision goes, and where it is counted. */
export interface DecideDeps {
  ledger: Ledger;
  queues: QueueSet;
  /** The decision metrics on the API's registry (`createDecisionMetrics`): a person's decisions are counted here only. */
  decisions: DecisionMetrics;
}

export const invitationNotFound = (id: string) => new ApiError(404, 'not_found', `no invitation ${id}`, { field: 'id', in: 'params' });

/** `record` when its decision is this manual decision (same action and reason; who sent it does not matter). */
function repeatOf(record: LedgerRecord | undefined, d: { action: string; reason?: string | undefined }): LedgerRecord | undefined {
  const current = record?.decision;
  return current?.source === 'manual' && current.action === d.action && (current.reason ?? '') === (d.reason ?? '') ? record : undefined;
}

/** Who decided what, in words, for a 409: `accept by jane.doe`, `decline by rules`. */
function decidedBy(record: LedgerRecord | undefined): string {
  const d = record?.decision;
  if (!d || d.action === 'manual') return '';
  return `; already decided: ${d.action} by ${d.by ?? d.source}`;
}

/**
 * Records `decision` on invitation `id` and queues its action. The same decision repeated is
 * answered as the first was (never made twice, nor counted twice). Throws 404 for an unknown
 * invitation and 409 `invalid_state` (naming the state, and who decided) when it is not waiting
 * for a person. `log` (the request's logger) gets the one "invitation decided" line.
 */
export async function decideInvitation(deps: DecideDeps, id: string, decision: ManualDecision, log: FastifyBaseLogger): Promise<{ record: LedgerRecord; jobId: string }> {
  const { ledger, queues } = deps;
  // The same decision again (a CMS retrying after a lost answer, or many at once) is answered
  // as the first was, whatever state the invitation has reached since; it is never made twice.
  let record = repeatOf(await ledger.get(id), decision);
  if (!record) {
    try {
      record = await ledger.decideManually(id, decision);
      // The guarded transition succeeds once per decision: counted here, and only here.
      const made = record.decision;
      if (made) observeDecision({ metrics: deps.decisions, logger: log }, { invitationId: id, action: made.action, source: 'manual', rule: null, sentAt: record.sentAt, decidedAt: made.decidedAt, state: record.state, by: made.by });
    } catch (err) {
      if (err instanceof LedgerNotFoundError) throw invitationNotFound(id);
      if (!(err instanceof LedgerTransitionError)) throw err;
      // Another request with the same decision may have won the race.
      const current = await ledger.get(id);
      record = repeatOf(current, decision);
      if (!record) throw new ApiError(409, 'invalid_state', `invitation ${id} is ${err.state}; a manual decision needs state manual or shadow${decidedBy(current)}`, { state: err.state });
    }
  }
  const jobId = actJobId(record);
  // Queued while the decision waits to be sent: a repeat after a failed enqueue queues it again
  // (the same job id, so a no-op when it is there); once sent, a repeat queues nothing.
  if (record.state === 'decided') {
    await enqueue(
      queues,
      'invitation.act',
      { invitationId: id, action: decision.action, ...(record.decision?.reason !== undefined && { reason: record.decision.reason }), source: 'manual' },
      { jobId },
    );
  }
  return { record, jobId };
}
