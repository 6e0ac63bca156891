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

/** Longest id taken from Lexamica or the CMS (Lexamica's ids are 24 hex characters). */
export const MAX_ID_LENGTH = 200;
/** Longest Lexamica event name (`Case Invitation Sent`). */
export const MAX_EVENT_NAME_LENGTH = 200;
/** Largest stored-event payload, as JSON characters: a referral is a few kilobytes. */
export const MAX_PAYLOAD_JSON_CHARS = 1_048_576;

const lexamicaId = z.string().min(1).max(MAX_ID_LENGTH);

/**
 * A Lexamica stored event, its envelope read through the API profile. Parsed once, by the Lexamica
 * client as it reads a page (an item that fails is set aside as `rejected`, for the poller's
 * quarantine); the same schema is the stored-event jobs' payload, which the processor parses as it
 * takes a job. Every string is bounded: a hostile or broken answer cannot put an unbounded string
 * into a queue, a handler or a log line.
 */
export const storedEventSchema = z.object({
  /** Lexamica's event id: also the job id. */
  id: lexamicaId,
  event: z.string().min(1).max(MAX_EVENT_NAME_LENGTH),
  createdAt: isoDate,
  mappingId: lexamicaId.optional(),
  subscriptionId: lexamicaId.optional(),
  /** The payload in the firm's field names, as Lexamica stored it. */
  payload: z
    .record(z.string(), z.unknown())
    .refine((p) => JSON.stringify(p).length <= MAX_PAYLOAD_JSON_CHARS, `must be at most ${MAX_PAYLOAD_JSON_CHARS} characters as JSON`),
});

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
