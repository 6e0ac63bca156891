/**
 * What happens to a case on the platform besides the invitation itself (its creation is stored
 * with the invitation, in `invitations.ts`): the originator edits it, changes its stage, deletes it, reports a settlement, or Lexamica flags information as
 * missing. Each is stored as the event the seeds name, shaped by the subscription's mapping model.
 */
import { HttpError, notFound } from '../http-error.js';
import { invitationPayload, isOpen, type InvitationBook, type InvitationRecord, type PlatformContext } from './invitations.js';

export interface CaseActivity {
  /** `Case Received`: the case reached the firm that accepted it. */
  received(record: InvitationRecord): void;
  /** `Case Edited` and `Case Fields Updated`: the originator rewrote the description. */
  edit(invitationId: string, description: string): InvitationRecord;
  /** `Case Stage Changed`. */
  changeStage(invitationId: string, stage: string): InvitationRecord;
  /** `Case Deleted`: an open invitation goes with it (`Case Invitation Cancelled`). */
  remove(invitationId: string): InvitationRecord;
  /** `Case Settlement` on an accepted case. */
  settle(invitationId: string, amount: number): InvitationRecord;
  /** `Case Missing Info`: Lexamica asks for fields the case lacks (a person has to act). */
  missingInfo(invitationId: string, fields: string[], note: string): InvitationRecord;
}

export function createCaseActivity(ctx: PlatformContext & { invitations: InvitationBook }): CaseActivity {
  const find = (id: string): InvitationRecord => {
    const record = ctx.invitations.get(id);
    if (!record) throw notFound('invitation', id);
    return record;
  };
  const accepted = (id: string, what: string): InvitationRecord => {
    const record = find(id);
    if (record.doc.status !== 'accepted') {
      throw new HttpError(409, 'case_not_accepted', `invitation ${id} is ${record.doc.status}; ${what} happens on accepted cases only`, { status: record.doc.status });
    }
    return record;
  };
  return {
    received: (record) => ctx.emit('caseReceived', invitationPayload(record.doc, { receivedAt: new Date(ctx.now()).toISOString() })),
    edit(id, description) {
      const record = accepted(id, 'an edit');
      const before = record.doc.referral.description;
      record.doc.referral.description = description;
      ctx.emit('caseEdited', invitationPayload(record.doc));
      ctx.emit('caseFieldsUpdated', invitationPayload(record.doc, { changes: [{ field: 'referral.description', from: before, to: description }] }));
      return record;
    },
    changeStage(id, stage) {
      const record = accepted(id, 'a stage change');
      const before = record.doc.referral.stage;
      record.doc.referral.stage = stage;
      ctx.emit('caseStageChanged', invitationPayload(record.doc, { previousStage: before }));
      return record;
    },
    remove(id) {
      const record = find(id);
      ctx.emit('caseDeleted', invitationPayload(record.doc, { deletedAt: new Date(ctx.now()).toISOString() }));
      if (isOpen(record.doc.status)) ctx.invitations.transition(record, 'cancelled', 'invitationCancelled', { reason: 'case deleted' });
      return record;
    },
    settle(id, amount) {
      const record = accepted(id, 'a settlement');
      ctx.emit('settlement', invitationPayload(record.doc, { settlement: { amount, currency: 'USD', date: new Date(ctx.now()).toISOString() } }));
      return record;
    },
    missingInfo(id, fields, note) {
      const record = find(id);
      if (!isOpen(record.doc.status) && record.doc.status !== 'accepted') {
        throw new HttpError(409, 'invalid_transition', `invitation ${id} is ${record.doc.status}; nothing can be missing any more`, { status: record.doc.status });
      }
      ctx.emit('missingInfo', invitationPayload(record.doc, { missing: { fields, note } }));
      return record;
    },
  };
}
