/**
 * Reads an invitation payload (in the firm's field names) back through the firm's declared mapping
 * into Lexamica's paths, then into the typed domain object. A payload that cannot be read throws
 * `UnrecoverableError` naming each Lexamica field that is missing or wrong (and the firm's name for
 * it): retrying will not fix it, so the job fails at once, visibly.
 */
import { UnrecoverableError } from 'bullmq';
import { z } from 'zod';
import { invitationSchema, INVITATION_STATUSES, type Invitation } from '@lexbridge/core/domain';
import { createMapper, type MappingDeclaration } from '@lexbridge/core/mapping';

/** The part of an invitation a lifecycle event must carry. */
export const invitationRefSchema = z.looseObject({
  _id: z.string().min(1),
  status: z.enum(INVITATION_STATUSES).optional(),
  expires: z.iso.datetime({ offset: true }).optional(),
  referral: z.looseObject({ _id: z.string().min(1).optional(), caseType: z.string().optional() }).optional(),
});
export type InvitationRef = z.infer<typeof invitationRefSchema>;

export interface InvitationReader {
  /** A full invitation (`Case Invitation Sent`). */
  read(payload: Record<string, unknown>): Invitation;
  /** The invitation id and whatever status and expiry a lifecycle event carries. */
  readRef(payload: Record<string, unknown>): InvitationRef;
  /** Lexamica-path fields → the firm's names, for action bodies (`reason` → `decline_reason`). */
  toFirm(body: Record<string, unknown>): Record<string, unknown>;
}

export function createInvitationReader(mapping: MappingDeclaration): InvitationReader {
  const mapper = createMapper(mapping);

  function parse<S extends z.ZodType>(schema: S, payload: Record<string, unknown>): z.infer<S> {
    const result = schema.safeParse(mapper.toLexamica(payload));
    if (result.success) return result.data;
    const problems = result.error.issues.map((i) => {
      const path = i.path.join('.');
      const firm = mapper.externalFor(path);
      // Only the path and zod's message: never the value, which may be a client's personal data.
      return `${path || '(payload)'}${firm ? ` (firm field "${firm}")` : ''}: ${i.code === 'invalid_type' && i.message.includes('undefined') ? 'missing' : i.message}`;
    });
    throw new UnrecoverableError(`invitation payload cannot be read through mapping "${mapping.name}": ${problems.join('; ')}`);
  }

  return {
    read: (payload) => parse(invitationSchema, payload),
    readRef: (payload) => parse(invitationRefSchema, payload),
    toFirm: (body) => mapper.toFirm(body),
  };
}
