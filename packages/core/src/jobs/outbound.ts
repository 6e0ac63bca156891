/**
 * What an `outbound.send` job carries: a CMS status update or milestone on its way to Lexamica.
 * Each field of a CMS request is defined once, here: the API's request schemas are built from the
 * same fields (strict, without `caseId`, which comes from the path), so what the API accepts is
 * what this job carries. The processor's job adapter parses the job (the queue is a boundary);
 * nothing after it parses the body again.
 */
import { z } from 'zod';

/** An ISO 8601 date-time with an offset (`2026-11-22T10:00:00Z`, `…+01:00`). */
export const isoDateTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time such as 2026-11-22T10:00:00Z' });
const iso = isoDateTime;
// Bounded (the longest is an update's content), so nothing longer reaches a queue by any path.
const text = z.string().min(1).max(20_000);
const note = z.string().trim().min(1).max(5_000).optional().describe('Free text sent with the milestone');

/** Where the API left an uploaded file: the bytes, base64, in Redis under `key` (with a TTL). */
export const uploadRefSchema = z.looseObject({
  key: text,
  encoding: z.literal('base64'),
  filename: text,
  contentType: text,
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be a hex sha256'),
  expiresAt: iso,
});
export type UploadRef = z.infer<typeof uploadRefSchema>;

/** The fields of a status update (Lexamica requires one at least every 90 days). */
export const caseUpdateFields = {
  title: z.string().trim().min(1).max(500),
  content: z.string().trim().min(1).max(20_000),
  date: iso.describe('When the update happened'),
  stage: z.string().trim().min(1).max(200).optional().describe('The case stage, if it changed'),
};

/** kind `case-update`. */
export const caseUpdateOutSchema = z.looseObject({ caseId: text, ...caseUpdateFields });
export type CaseUpdateOut = z.infer<typeof caseUpdateOutSchema>;

export const CONTACT_CHANNELS = ['phone', 'email', 'sms', 'letter'] as const;

/** The fields of each milestone (without `caseId`; `retained` without its `file`). */
export const milestoneFields = {
  'contact-attempted': {
    type: z.literal('contact-attempted'),
    attemptedAt: iso.describe('When the client was contacted (Lexamica needs one at the latest 3 days before expiry)'),
    channel: z.enum(CONTACT_CHANNELS).optional(),
    note,
  },
  'consult-complete': { type: z.literal('consult-complete'), completedAt: iso, note },
  declined: {
    type: z.literal('declined'),
    reason: z.string().trim().min(1).max(2_000).describe('Why the firm will not take the case (required by Lexamica)'),
    declinedAt: iso.optional(),
  },
  closed: {
    type: z.literal('closed'),
    closedAt: iso.optional(),
    feeOutcome: z.enum(['fee', 'no-fee']).describe('Whether the case closed with a fee'),
    feeAmount: z.number().nonnegative().max(1e12).optional().describe('The fee in USD, when feeOutcome is fee'),
    note,
  },
  retained: { type: z.literal('retained'), retainedAt: iso.optional().describe('When the client signed'), note },
};

/** kind `milestone`, by `type`. */
export const milestoneOutSchema = z.discriminatedUnion('type', [
  z.looseObject({ caseId: text, ...milestoneFields['contact-attempted'] }),
  z.looseObject({ caseId: text, ...milestoneFields['consult-complete'] }),
  z.looseObject({ caseId: text, ...milestoneFields.declined }),
  z.looseObject({ caseId: text, ...milestoneFields.closed }),
  z.looseObject({ caseId: text, ...milestoneFields.retained, file: uploadRefSchema }),
]);
export type MilestoneOut = z.infer<typeof milestoneOutSchema>;
export type MilestoneType = MilestoneOut['type'];

const idempotencyKey = z.string().min(1).max(200).describe('The CMS Idempotency-Key this work came from');

export const outboundJobSchema = z.discriminatedUnion('kind', [
  z.object({ idempotencyKey, kind: z.literal('case-update'), body: caseUpdateOutSchema }),
  z.object({ idempotencyKey, kind: z.literal('milestone'), body: milestoneOutSchema }),
]);
export type OutboundJob = z.infer<typeof outboundJobSchema>;
