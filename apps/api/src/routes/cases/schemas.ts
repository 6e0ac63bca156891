/**
 * What the CMS sends about a case: status updates and milestones. Built from the fields of the
 * `outbound.send` job's body (`@lexbridge/core/jobs`, where each is defined once), strict here:
 * the job adds `caseId` from the path, so the processor reads exactly what was accepted.
 */
import { z } from 'zod';
import { caseUpdateFields, milestoneFields } from '@lexbridge/core/jobs';
import { documentationOnly } from '../../schemas.js';

/** A status update (Lexamica requires one at least every 90 days). */
export const caseUpdateBodySchema = z.strictObject(caseUpdateFields);

/** A milestone sent as JSON. `retained` carries the signed retainer, so it has its own multipart route. */
export const milestoneBodySchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject(milestoneFields['contact-attempted']),
    z.strictObject(milestoneFields['consult-complete']),
    z.strictObject(milestoneFields.declined),
    z.strictObject(milestoneFields.closed).superRefine((m, ctx) => {
      if (m.feeOutcome === 'no-fee' && m.feeAmount !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['feeAmount'], message: 'a no-fee close has no fee amount' });
      }
    }),
  ],
  { error: 'type must be contact-attempted, consult-complete, declined or closed (retained: POST multipart to /v1/cases/{caseId}/milestones/retained)' },
);

/** The text fields of the multipart `retained` milestone (the file is the part named `retainer`). */
export const retainedFieldsSchema = z.strictObject({ retainedAt: milestoneFields.retained.retainedAt, note: milestoneFields.retained.note });

/** The multipart body as documented (validation happens in the handler, part by part). */
export const retainedDocsBodySchema = documentationOnly(
  retainedFieldsSchema.extend({
    retainer: z.string().meta({ format: 'binary' }).describe('The signed retainer agreement, application/pdf'),
  }),
);
