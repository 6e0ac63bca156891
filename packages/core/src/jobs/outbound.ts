/**
 * What an `outbound.send` job carries: a CMS status update or milestone on its way to Lexamica.
 * The API validates the CMS request (with its own, documented HTTP schemas), adds `caseId`, and
 * queues this shape; the processor parses it again before sending anything.
 */
import { z } from 'zod';

const iso = z.iso.datetime({ offset: true });
// Bounded like the API's request schemas (the longest is an update's content), so nothing longer
// reaches a queue by another path.
const text = z.string().min(1).max(20_000);

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

/** kind `case-update`. */
export const caseUpdateOutSchema = z.looseObject({
  caseId: text,
  title: text,
  content: text,
  date: iso,
  stage: text.optional(),
});
export type CaseUpdateOut = z.infer<typeof caseUpdateOutSchema>;

export const CONTACT_CHANNELS = ['phone', 'email', 'sms', 'letter'] as const;

/** kind `milestone`, by `type`. */
export const milestoneOutSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('contact-attempted'), caseId: text, attemptedAt: iso, channel: z.enum(CONTACT_CHANNELS).optional(), note: text.optional() }),
  z.looseObject({ type: z.literal('consult-complete'), caseId: text, completedAt: iso, note: text.optional() }),
  z.looseObject({ type: z.literal('declined'), caseId: text, reason: text, declinedAt: iso.optional() }),
  z.looseObject({
    type: z.literal('closed'),
    caseId: text,
    closedAt: iso.optional(),
    feeOutcome: z.enum(['fee', 'no-fee']),
    feeAmount: z.number().nonnegative().optional(),
    note: text.optional(),
  }),
  z.looseObject({ type: z.literal('retained'), caseId: text, retainedAt: iso.optional(), note: text.optional(), file: uploadRefSchema }),
]);
export type MilestoneOut = z.infer<typeof milestoneOutSchema>;
export type MilestoneType = MilestoneOut['type'];

const idempotencyKey = z.string().min(1).max(200).describe('The CMS Idempotency-Key this work came from');

export const outboundJobSchema = z.discriminatedUnion('kind', [
  z.object({ idempotencyKey, kind: z.literal('case-update'), body: caseUpdateOutSchema }),
  z.object({ idempotencyKey, kind: z.literal('milestone'), body: milestoneOutSchema }),
]);
export type OutboundJob = z.infer<typeof outboundJobSchema>;
