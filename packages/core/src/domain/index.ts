/**
 * Domain objects in Lexamica's field paths (the API profile's payload fields), parsed with zod.
 * A firm payload is first read back through the firm's mapping, then parsed here; a missing
 * required field is reported by its Lexamica path.
 */
import { z } from 'zod';

export const INVITATION_STATUSES = ['open', 'evaluating', 'accepted', 'declined', 'cancelled', 'expired', 'closed'] as const;
export type InvitationStatus = (typeof INVITATION_STATUSES)[number];
/** States in which Lexamica still takes an answer. */
export const OPEN_INVITATION_STATUSES: readonly InvitationStatus[] = ['open', 'evaluating'];

const isoDate = z.iso.datetime({ offset: true });

export const referralSchema = z.looseObject({
  _id: z.string().min(1),
  caseType: z.string().min(1),
  description: z.string().optional(),
  stage: z.string().optional(),
  estimatedValue: z.number().nonnegative().optional(),
  incident: z.looseObject({ date: z.string().optional(), state: z.string().optional(), city: z.string().optional() }).optional(),
  client: z
    .looseObject({
      firstName: z.string().optional(),
      lastName: z.string().optional(),
      email: z.string().optional(),
      phone: z.string().optional(),
    })
    .optional(),
  originator: z.looseObject({ _id: z.string().optional(), name: z.string().optional() }).optional(),
});

/** A case invitation (`CaseInvitation` model). */
export const invitationSchema = z.looseObject({
  _id: z.string().min(1),
  status: z.enum(INVITATION_STATUSES).optional(),
  accepted: z.boolean().optional(),
  declined: z.boolean().optional(),
  expires: isoDate,
  sentAt: isoDate.optional(),
  referral: referralSchema,
});
export type Invitation = z.infer<typeof invitationSchema>;

/** A case update (`CaseUpdate` model), either direction. */
export const caseUpdateSchema = z.looseObject({
  _id: z.string().optional(),
  referral: z.looseObject({ _id: z.string().min(1) }),
  title: z.string().min(1),
  content: z.string(),
  date: isoDate,
  stage: z.string().optional(),
  author: z.looseObject({ firm: z.enum(['originator', 'handler']).optional() }).optional(),
});
export type CaseUpdate = z.infer<typeof caseUpdateSchema>;
