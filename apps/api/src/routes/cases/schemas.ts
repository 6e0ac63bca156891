/**
 * What the CMS sends about a case: status updates and milestones. These are also the `body` of the
 * `outbound.send` job (with `caseId` added), so the processor reads the same shapes.
 */
import { z } from 'zod';
import { documentationOnly, isoDateTime } from '../../schemas.js';

const note = z.string().trim().min(1).max(5_000).optional().describe('Free text sent with the milestone');

/** A status update (Lexamica requires one at least every 90 days). */
export const caseUpdateBodySchema = z.strictObject({
  title: z.string().trim().min(1).max(500),
  content: z.string().trim().min(1).max(20_000),
  date: isoDateTime.describe('When the update happened'),
  stage: z.string().trim().min(1).max(200).optional().describe('The case stage, if it changed'),
});

const CONTACT_CHANNELS = ['phone', 'email', 'sms', 'letter'] as const;

/** A milestone sent as JSON. `retained` carries the signed retainer, so it has its own multipart route. */
export const milestoneBodySchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({
      type: z.literal('contact-attempted'),
      attemptedAt: isoDateTime.describe('When the client was contacted (Lexamica needs one at the latest 3 days before expiry)'),
      channel: z.enum(CONTACT_CHANNELS).optional(),
      note,
    }),
    z.strictObject({
      type: z.literal('consult-complete'),
      completedAt: isoDateTime,
      note,
    }),
    z.strictObject({
      type: z.literal('declined'),
      reason: z.string().trim().min(1).max(2_000).describe('Why the firm will not take the case (required by Lexamica)'),
      declinedAt: isoDateTime.optional(),
    }),
    z
      .strictObject({
        type: z.literal('closed'),
        closedAt: isoDateTime.optional(),
        feeOutcome: z.enum(['fee', 'no-fee']).describe('Whether the case closed with a fee'),
        feeAmount: z.number().nonnegative().max(1e12).optional().describe('The fee in USD, when feeOutcome is fee'),
        note,
      })
      .superRefine((m, ctx) => {
        if (m.feeOutcome === 'no-fee' && m.feeAmount !== undefined) {
          ctx.addIssue({ code: 'custom', path: ['feeAmount'], message: 'a no-fee close has no fee amount' });
        }
      }),
  ],
  { error: 'type must be contact-attempted, consult-complete, declined or closed (retained: POST multipart to /v1/cases/{caseId}/milestones/retained)' },
);

/** The text fields of the multipart `retained` milestone (the file is the part named `retainer`). */
export const retainedFieldsSchema = z.strictObject({
  retainedAt: isoDateTime.optional().describe('When the client signed'),
  note,
});

/** The multipart body as documented (validation happens in the handler, part by part). */
export const retainedDocsBodySchema = documentationOnly(
  retainedFieldsSchema.extend({
    retainer: z.string().meta({ format: 'binary' }).describe('The signed retainer agreement, application/pdf'),
  }),
);
