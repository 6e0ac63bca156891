/**
 * `invitation.lifecycle`: Lexamica says an invitation was accepted, declined, cancelled, expired,
 * evaluated, closed, or that a contact attempt or consult was logged. The ledger records the status
 * (and a new expiry after an evaluation); an invitation still waiting for us that Lexamica has
 * closed, expired or seen answered elsewhere leaves the waiting states, so it is never acted on.
 * Every such event also goes to the CMS feed, and an invitation it ends is announced as
 * `invitation.closed` / `invitation.expired` with the ledger's state, by the script that records it
 * (the outbox). For the 90-day rule, an accepted invitation starts its case's update clock, and a
 * declined, cancelled, expired or closed one stops it.
 */
import { UnrecoverableError } from 'bullmq';
import type { Handler } from '@lexbridge/core/jobs';
import type { LedgerRecord, LedgerState, Transition } from '@lexbridge/core/ledger';
import { lexamicaEventItem, lifecycleStateItem } from '../announce.js';
import type { ProcessorContext } from '../context.js';
import { scheduleGuard, type FollowUpDeps } from '../follow-up.js';
import { ledgerStateForStatus, lifecycleKind, STATUS_OF_KIND, type LifecycleKind } from '../invitation-status.js';
import type { InvitationRef } from '../read-invitation.js';

/** What this module uses of the processor's context. */
export type InvitationLifecycleDeps = Pick<ProcessorContext, 'announcer' | 'caseActivity' | 'cases' | 'client' | 'invitations' | 'ledger'> & FollowUpDeps;

/** States in which the invitation is still waiting for Lexbridge (or a person) to answer. */
const WAITING: readonly LedgerState[] = ['received', 'decided', 'manual', 'shadow'];

export function createInvitationLifecycleHandler(ctx: InvitationLifecycleDeps): Handler<'invitation.lifecycle'> {
  return async (event, job) => {
    const kind = lifecycleKind(event.event, ctx.client.profile);
    if (!kind) throw new UnrecoverableError(`"${event.event}" is not an invitation lifecycle event in the API profile`);
    const ref = ctx.invitations.readRef(event.payload);
    const existing = await ctx.ledger.get(ref._id);
    const record = existing ? await observe(ctx, existing, kind, ref, event.event) : await recordUnknown(ctx, kind, ref, event);
    // Appended with the change; announced again (a feed no-op) so a retry after a crash still
    // queues its webhook delivery.
    if (record && endedBy(record, event.event)) await ctx.announcer.announce(lifecycleStateItem(record, event.event));
    // A record that just became manual (Missing Info), or whose expiry moved, gets its expiry guard.
    if (record?.state === 'manual' && existing && (record.expires !== existing.expires || existing.state !== 'manual')) await scheduleGuard(ctx, record);
    const caseId = ref.referral?._id ?? existing?.caseId;
    if (caseId !== undefined) await trackCase(ctx, kind, caseId, ref._id, event.createdAt);
    await ctx.announcer.announce(lexamicaEventItem(event));
    job.logger.debug({ invitationId: ref._id, kind, state: record?.state }, 'lifecycle event recorded');
    return record?.state ?? 'unknown invitation';
  };
}

/** Lifecycle kinds after which the case needs no more updates from this firm. */
const ENDS_CASE: readonly LifecycleKind[] = ['declined', 'cancelled', 'expired', 'closed', 'relay-stopped'];

async function trackCase(ctx: InvitationLifecycleDeps, kind: LifecycleKind, caseId: string, invitationId: string, at: string): Promise<void> {
  const current = await ctx.cases.invitationOf(caseId);
  // First seen in a lifecycle event (before Lexbridge ran): remember it, so milestones can find it.
  if (current === undefined) await ctx.cases.link(caseId, invitationId, at);
  // An older invitation of a case invited again: the case follows its latest invitation.
  else if (current !== invitationId) return;
  if (kind === 'accepted') await ctx.caseActivity.started(caseId, invitationId, new Date(at));
  else if (ENDS_CASE.includes(kind)) await ctx.caseActivity.ended(caseId, invitationId);
}

const noteOf = (eventName: string) => `Lexamica: ${eventName}`;
const firstSeenNote = (eventName: string) => `first seen in "${eventName}"`;

/** True when `eventName` is what moved the record into `closed` or `expired` (the history entry that entered it). */
function endedBy(r: LedgerRecord, eventName: string): boolean {
  if (r.state !== 'closed' && r.state !== 'expired') return false;
  let i = r.history.length - 1;
  while (i > 0 && r.history[i - 1]!.state === r.state) i -= 1;
  const note = r.history[i]?.note;
  return note === noteOf(eventName) || note === firstSeenNote(eventName);
}

function observe(ctx: InvitationLifecycleDeps, existing: LedgerRecord, kind: LifecycleKind, ref: InvitationRef, eventName: string): Promise<LedgerRecord> {
  const status = STATUS_OF_KIND[kind] ?? ref.status;
  return ctx.ledger.update(existing.invitationId, (r): Transition => {
    const to = nextState(r.state, kind);
    return {
      from: [r.state],
      to,
      patch: {
        ...(status !== undefined && { lexamicaStatus: status }),
        ...(ref.expires !== undefined && kind === 'evaluated' && { expires: ref.expires }),
      },
      note: noteOf(eventName),
      ...(to !== r.state && (to === 'closed' || to === 'expired') && { announce: (next: LedgerRecord) => lifecycleStateItem(next, eventName) }),
    };
  });
}

function nextState(state: LedgerState, kind: LifecycleKind): LedgerState {
  switch (kind) {
    case 'expired':
      return WAITING.includes(state) ? 'expired' : state;
    case 'cancelled':
    case 'closed':
    case 'relay-stopped':
      return WAITING.includes(state) || state === 'done' ? 'closed' : state;
    case 'missing-info':
      // Lexamica wants information before the case can go on: a decision not yet sent waits for a person.
      return state === 'received' || state === 'decided' ? 'manual' : state;
    case 'accepted':
    case 'declined':
      // Answered on Lexamica by someone else; our own answer is `acting`/`done` already. A shadow
      // record stays shadow: it shows what the rules would have done next to what happened.
      return state === 'received' || state === 'decided' || state === 'manual' ? 'closed' : state;
    default:
      return state;
  }
}

/**
 * A lifecycle event for an invitation the ledger has not seen (its `Sent` event not processed yet,
 * or from before Lexbridge ran). When it ends the invitation, record it so a late `Sent` finds it
 * and does not act; otherwise leave it to the `Sent` event.
 */
async function recordUnknown(
  ctx: InvitationLifecycleDeps,
  kind: LifecycleKind,
  ref: InvitationRef,
  event: { id: string; event: string; mappingId?: string | undefined },
): Promise<LedgerRecord | undefined> {
  const status = STATUS_OF_KIND[kind];
  if (status === undefined || status === 'evaluating' || ref.expires === undefined) return undefined;
  const { record } = await ctx.ledger.receive(
    {
      invitationId: ref._id,
      eventId: event.id,
      ...(event.mappingId !== undefined && { mappingId: event.mappingId }),
      ...(ref.referral?._id !== undefined && { caseId: ref.referral._id }),
      ...(ref.referral?.caseType !== undefined && { caseType: ref.referral.caseType }),
      expires: ref.expires,
      lexamicaStatus: status,
      state: ledgerStateForStatus(status) === 'conflict' ? 'closed' : ledgerStateForStatus(status),
      note: firstSeenNote(event.event),
    },
    undefined,
    { announce: (r) => lifecycleStateItem(r, event.event) },
  );
  return record;
}
