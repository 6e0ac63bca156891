/**
 * Invitations sent to the firm and the platform's own transitions on them (sent, cancelled by the
 * originator, expired, closed). The firm's actions are in `invitation-actions.ts`.
 */
import type { InvitationStatus } from '@lexbridge/shared/domain';
import type { MappingModel } from '@lexbridge/shared/mapping';
import { EVENTS } from './event-names.js';

/** An invitation as Lexamica holds it (lexamica-api.md §2 "Payload fields", CaseInvitation). */
export interface InvitationDoc {
  _id: string;
  status: InvitationStatus;
  accepted: boolean;
  declined: boolean;
  /** ISO 8601. */
  expires: string;
  sentAt: string;
  referral: {
    _id: string;
    caseType: string;
    description: string;
    incident: { date: string; state: string; city: string };
    estimatedValue: number;
    client: { firstName: string; lastName: string; email: string; phone: string };
    originator: { _id: string; name: string };
    stage: string;
  };
}

/** The sandbox's record of an invitation: the document plus what the firm did with it. */
export interface InvitationRecord {
  doc: InvitationDoc;
  expiresMs: number;
  /** The firm's final answer, once given. */
  firmAnswer?: 'accept' | 'decline';
  evaluated: boolean;
}

/** What platform transitions need: the clock and the event emitter. */
export interface PlatformContext {
  now(): number;
  /** Stores an event; a function gets the subscription mapping's model to shape the object. */
  emit(event: string, object: Record<string, unknown> | ((model: MappingModel) => Record<string, unknown>), atMs?: number): void;
}

export const isOpen = (status: InvitationStatus): boolean => status === 'open' || status === 'evaluating';

export interface InvitationBook {
  /** Records a sent invitation and emits `Case Invitation Sent` at its `sentAt`. */
  add(doc: InvitationDoc): InvitationRecord;
  get(id: string): InvitationRecord | undefined;
  list(): InvitationRecord[];
  byCase(caseId: string): InvitationRecord | undefined;
  /** Moves `record` to `status` and emits `event` with the document (plus `extra`). */
  transition(record: InvitationRecord, status: InvitationStatus, event: string, extra?: Record<string, unknown>): void;
  /** Marks an open invitation expired when its time has passed; true when it did. */
  expireIfDue(record: InvitationRecord): boolean;
  /** Expires every due invitation; returns how many. */
  sweep(): number;
  /** The originator withdraws an open invitation; false when it is not open. */
  cancel(id: string): boolean;
  /** An accepted case is finished; false when it is not accepted. */
  close(id: string): boolean;
  /** Ids of invitations in a status, in the order they were sent. */
  idsWith(status: InvitationStatus): string[];
  clear(): void;
}

export function createInvitationBook(ctx: PlatformContext): InvitationBook {
  const records = new Map<string, InvitationRecord>();
  const cases = new Map<string, string>();
  // Sweeping visits only invitations that can still expire.
  const open = new Set<string>();

  const book: InvitationBook = {
    add(doc) {
      const record: InvitationRecord = { doc, expiresMs: Date.parse(doc.expires), evaluated: false };
      records.set(doc._id, record);
      cases.set(doc.referral._id, doc._id);
      open.add(doc._id);
      ctx.emit(EVENTS.invitationSent, structuredClone(doc) as unknown as Record<string, unknown>, Date.parse(doc.sentAt));
      return record;
    },
    get: (id) => records.get(id),
    list: () => [...records.values()],
    byCase: (caseId) => {
      const id = cases.get(caseId);
      return id === undefined ? undefined : records.get(id);
    },
    transition(record, status, event, extra = {}) {
      record.doc.status = status;
      record.doc.accepted = status === 'accepted' || (record.doc.accepted && status === 'closed');
      record.doc.declined = status === 'declined';
      if (!isOpen(status)) open.delete(record.doc._id);
      ctx.emit(event, { ...(structuredClone(record.doc) as unknown as Record<string, unknown>), ...extra });
    },
    expireIfDue(record) {
      if (!isOpen(record.doc.status) || ctx.now() < record.expiresMs) return false;
      book.transition(record, 'expired', EVENTS.invitationExpired);
      return true;
    },
    sweep() {
      let n = 0;
      for (const id of [...open]) if (book.expireIfDue(records.get(id)!)) n += 1;
      return n;
    },
    cancel(id) {
      const record = records.get(id);
      if (!record || book.expireIfDue(record) || !isOpen(record.doc.status)) return false;
      book.transition(record, 'cancelled', EVENTS.invitationCancelled);
      return true;
    },
    close(id) {
      const record = records.get(id);
      if (!record || record.doc.status !== 'accepted') return false;
      book.transition(record, 'closed', EVENTS.invitationClosed);
      return true;
    },
    idsWith: (status) => [...records.values()].filter((r) => r.doc.status === status).map((r) => r.doc._id),
    clear() {
      records.clear();
      cases.clear();
      open.clear();
    },
  };
  return book;
}
