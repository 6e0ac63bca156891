/**
 * The firm's answers to an invitation (lexamica-api.md §6), each checked against the invitation's
 * state, read through the firm's CaseInvitation mapping, applied, and logged for inspection.
 */
import { z } from 'zod';
import { HttpError, invalidFirmBody, notFound, requireObject, zodProblems } from '../http-error.js';
import type { FieldMapping } from '../wire/field-mapping.js';
import { isOpen, type InvitationBook, type InvitationDoc, type InvitationRecord, type InvitationStatus } from './invitations.js';
import type { MappingRegistry } from './mappings.js';

export const INVITATION_ACTIONS = ['accept', 'decline', 'evaluate', 'contact-attempted', 'consult-complete'] as const;
export type InvitationAction = (typeof INVITATION_ACTIONS)[number];

/** One action the firm sent, whatever came of it. */
export interface ActionEntry {
  /** When it arrived (ISO 8601). */
  at: string;
  invitationId: string;
  mappingId: string;
  action: string;
  outcome: 'ok' | 'conflict' | 'invalid' | 'not_found';
  /** The invitation's status after the action (or the conflicting status). */
  status?: InvitationStatus;
  /** It arrived after the invitation's expiry while no answer had closed it. */
  afterExpiry: boolean;
  /** An answer (accept/decline/evaluate) after the firm's own final answer, or a second evaluate. */
  duplicate: boolean;
  /** Answered 200 but not applied (the `ignored-action` misbehaviour). */
  ignored?: boolean;
}

const isoDate = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' });
const BODIES: Record<InvitationAction, z.ZodType<Record<string, unknown>>> = {
  accept: z.looseObject({}),
  decline: z.looseObject({ reason: z.string({ error: 'is required' }).trim().min(1, 'is required') }),
  evaluate: z.looseObject({}),
  'contact-attempted': z.looseObject({ attemptedAt: isoDate, channel: z.enum(['phone', 'email', 'sms', 'letter']).optional() }),
  'consult-complete': z.looseObject({ completedAt: isoDate }),
};

const ANSWERS: ReadonlySet<InvitationAction> = new Set(['accept', 'decline', 'evaluate']);

/** Which statuses take an action: answers need an open invitation, notes also an accepted one. */
function accepts(action: InvitationAction, record: InvitationRecord): boolean {
  const s = record.doc.status;
  if (action === 'evaluate') return s === 'open' && !record.evaluated;
  if (ANSWERS.has(action)) return isOpen(s);
  return isOpen(s) || s === 'accepted';
}

export interface ActionDeps {
  now(): number;
  mappings: MappingRegistry;
  invitations: InvitationBook;
  log: ActionEntry[];
  /** How much `evaluate` extends the expiry. */
  evaluateExtensionMs: number;
  /** Misbehaviour: answer this action 200 without applying it (Lexamica dropped it). */
  ignore?(action: InvitationAction): boolean;
  /** After an accept took effect (the case is received by the firm). */
  onAccepted?(record: InvitationRecord): void;
}

/** Reads a body in the firm's names back to Lexamica paths and validates it (400 names both names). */
function readBody(mapper: FieldMapping, action: InvitationAction, body: unknown): Record<string, unknown> {
  const lexamica = mapper.toLexamica(requireObject(body));
  const result = BODIES[action].safeParse(lexamica);
  if (result.success) return result.data;
  throw invalidFirmBody(mapper, zodProblems(result.error));
}

export type ActionInput = { mappingId: string; invitationId: string; action: InvitationAction; body: unknown };

/** Handles one action; returns the invitation after it, or throws the HttpError to answer with. */
export function createActionHandler(deps: ActionDeps): (input: ActionInput) => InvitationDoc {
  const apply = (record: InvitationRecord, action: InvitationAction, data: Record<string, unknown>): void => {
    const { invitations } = deps;
    switch (action) {
      case 'accept':
        record.firmAnswer = 'accept';
        invitations.transition(record, 'accepted', 'invitationAccepted');
        return deps.onAccepted?.(record);
      case 'decline':
        record.firmAnswer = 'decline';
        invitations.transition(record, 'declined', 'invitationDeclined', { reason: data['reason'] });
        // The relay engine moves on to another firm: it reports this firm's rejection too.
        return invitations.transition(record, 'declined', 'relayRejected', { reason: data['reason'], relay: { state: 'rejected' } });
      case 'evaluate':
        record.evaluated = true;
        record.expiresMs += deps.evaluateExtensionMs;
        record.doc.expires = new Date(record.expiresMs).toISOString();
        return invitations.transition(record, 'evaluating', 'invitationEvaluated');
      case 'contact-attempted':
        return invitations.transition(record, record.doc.status, 'invitationContactAttempted', {
          attemptedAt: data['attemptedAt'],
          ...(data['channel'] === undefined ? {} : { channel: data['channel'] }),
        });
      case 'consult-complete':
        return invitations.transition(record, record.doc.status, 'invitationConsultComplete', { completedAt: data['completedAt'] });
    }
  };

  return ({ mappingId, invitationId, action, body }) => {
    const nowMs = deps.now();
    const entry: ActionEntry = { at: new Date(nowMs).toISOString(), invitationId, mappingId, action, outcome: 'ok', afterExpiry: false, duplicate: false };
    deps.log.push(entry);
    try {
      const mapping = deps.mappings.require(mappingId);
      if (mapping.model !== 'CaseInvitation') {
        throw new HttpError(400, 'invalid_request', `mapping ${mappingId} is a ${mapping.model} mapping; invitation actions need a CaseInvitation mapping`);
      }
      const record = deps.invitations.get(invitationId);
      if (!record) throw notFound('invitation', invitationId);
      const before = record.doc.status;
      entry.afterExpiry = (isOpen(before) || before === 'expired') && nowMs >= record.expiresMs;
      entry.duplicate = ANSWERS.has(action) && (record.firmAnswer !== undefined || (action === 'evaluate' && record.evaluated));
      // An invitation past its expiry is expired now, even if the sweeper has not reached it yet.
      deps.invitations.expireIfDue(record);
      if (!accepts(action, record)) {
        entry.status = record.doc.status;
        throw new HttpError(409, 'invitation_not_open', `invitation ${invitationId} is ${record.doc.status}`, { status: record.doc.status });
      }
      const data = readBody(deps.mappings.compiled(mappingId), action, body);
      if (deps.ignore?.(action)) {
        entry.ignored = true;
        return record.doc;
      }
      record.previousStatus = record.doc.status;
      apply(record, action, data);
      entry.status = record.doc.status;
      return record.doc;
    } catch (err) {
      if (err instanceof HttpError) entry.outcome = err.status === 409 ? 'conflict' : err.status === 404 ? 'not_found' : 'invalid';
      throw err;
    }
  };
}
