/**
 * Invitations sent to the firm and the platform's own transitions on them (sent, cancelled by the
 * originator, relay stopped, expired, closed). The firm's actions are in `invitation-actions.ts`.
 */
import type { Model } from '../wire/field-mapping.js';
import type { EventKey } from '../profile/sandbox-profile.js';

/** An invitation's status on the platform (lexamica-api.md §2). */
export type InvitationStatus = 'open' | 'evaluating' | 'accepted' | 'declined' | 'cancelled' | 'expired' | 'closed';

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
  /** The relay engine stopped looking for a firm for this case (the invitation is withdrawn with it). */
  relayStopped?: boolean;
  /** The status before the firm's last action (what a stale read shows). */
  previousStatus?: InvitationStatus;
}

/** What an event is made from: the object in Lexamica's names, or a function of the subscription mapping's model. */
export type EmittedObject = Record<string, unknown> | ((model: Model) => Record<string, unknown>);

/** What platform transitions need: the clock and the event emitter. */
export interface PlatformContext {
  now(): number;
  /** Stores an event (when a subscription wants it); `atMs` defaults to now. */
  emit(event: EventKey, object: EmittedObject, atMs?: number): void;
}

export const isOpen = (status: InvitationStatus): boolean => status === 'open' || status === 'evaluating';

/** The invitation as a payload: the whole document, or for a Case mapping the case it refers to. */
export function invitationPayload(doc: InvitationDoc, extra: Record<string, unknown> = {}): EmittedObject {
  const copy = structuredClone(doc) as unknown as Record<string, unknown>;
  return (model) => (model === 'Case' ? { ...structuredClone(doc.referral), invitation: { _id: doc._id, status: doc.status }, ...extra } : { ...copy, ...extra });
}

export interface InvitationBook {
  /** Records a sent invitation: the relay matched the firm a moment before, then `Case Invitation Sent`. */
  add(doc: InvitationDoc): InvitationRecord;
  get(id: string): InvitationRecord | undefined;
  list(): InvitationRecord[];
  byCase(caseId: string): InvitationRecord | undefined;
  /** Moves `record` to `status` and emits `event` with the document (plus `extra`). */
  transition(record: InvitationRecord, status: InvitationStatus, event: EventKey, extra?: Record<string, unknown>): void;
  /** Marks an open invitation expired when its time has passed (and the relay missed the firm); true when it did. */
  expireIfDue(record: InvitationRecord): boolean;
  /** Expires every due invitation; returns how many. */
  sweep(): number;
  /** The originator withdraws an open invitation; false when it is not open. */
  cancel(id: string): boolean;
  /** The relay engine stops for the case: the open invitation is withdrawn; false when it is not open. */
  stopRelay(id: string): boolean;
  /** The originator closes an accepted case; false when it is not accepted. */
  close(id: string): boolean;
  idsWith(status: InvitationStatus): string[];
  clear(): void;
}

/** How long before `sentAt` the case was created and the relay engine matched it (stored in that order). */
const CREATED_BEFORE_MS = 3_000;
const MATCHED_BEFORE_MS = 2_000;

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
      const sentMs = Date.parse(doc.sentAt);
      ctx.emit('caseCreated', invitationPayload(doc), sentMs - CREATED_BEFORE_MS);
      ctx.emit('relayMatched', invitationPayload(doc, { relay: { state: 'matched' } }), sentMs - MATCHED_BEFORE_MS);
      ctx.emit('invitationSent', invitationPayload(doc), sentMs);
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
      ctx.emit(event, invitationPayload(record.doc, extra));
    },
    expireIfDue(record) {
      if (!isOpen(record.doc.status) || ctx.now() < record.expiresMs) return false;
      book.transition(record, 'expired', 'invitationExpired');
      ctx.emit('relayMissed', invitationPayload(record.doc, { relay: { state: 'missed' } }));
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
      book.transition(record, 'cancelled', 'invitationCancelled');
      return true;
    },
    stopRelay(id) {
      const record = records.get(id);
      if (!record || book.expireIfDue(record) || !isOpen(record.doc.status)) return false;
      // Lexamica reports the relay stopping, not a cancellation: the firm must read this one event right.
      record.relayStopped = true;
      record.doc.status = 'cancelled';
      open.delete(id);
      ctx.emit('relayStopped', invitationPayload(record.doc, { relay: { state: 'stopped', reason: 'The originator stopped the referral' } }));
      return true;
    },
    close(id) {
      const record = records.get(id);
      if (!record || record.doc.status !== 'accepted') return false;
      book.transition(record, 'closed', 'invitationClosed');
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
