/** Shapes of the invitation routes: the ledger record as the API shows it. */
import { z } from 'zod';
import { caseFactsSchema as ledgerCaseFacts, LEDGER_STATES } from '@lexbridge/core/ledger';

const decisionSchema = z.object({
  action: z.enum(['accept', 'decline', 'evaluate', 'manual']),
  reason: z.string().optional(),
  note: z.string().optional(),
  rule: z.string().nullable().describe('The rule that fired; null when the default applied or a person decided'),
  trace: z.array(z.object({ rule: z.string(), matched: z.boolean() })).describe('Every rule evaluated, in order'),
  capacity: z.object({ caseType: z.string(), used: z.number(), limit: z.number() }).optional(),
  source: z.enum(['rules', 'manual', 'expiry-guard']),
  decidedAt: z.string(),
  by: z.string().optional().describe('The API identity that decided (manual decisions)'),
  onBehalfOf: z.string().optional().describe('The person a `cms` identity decided for, as the CMS named them'),
});

/** The case facts kept with the record, in Lexamica's field names (`referral.*` without the prefix). */
const caseFactsSchema = ledgerCaseFacts.describe('What the case is about, as Lexamica sent it; kept by invitations recorded since the console existed');

/** A ledger record: the invitation's state, decision and history. */
export const invitationSchema = z.object({
  invitationId: z.string(),
  state: z.enum(LEDGER_STATES),
  eventId: z.string().describe('The stored event that created the record'),
  mappingId: z.string().optional(),
  caseType: z.string().optional(),
  facts: caseFactsSchema.optional(),
  expires: z.string().describe('ISO expiry as Lexamica last reported it'),
  lexamicaStatus: z.string().optional(),
  decision: decisionSchema.optional(),
  lastError: z.string().optional(),
  attempts: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
  history: z.array(z.object({ at: z.string(), state: z.enum(LEDGER_STATES), note: z.string().optional() })),
});

export const manualDecisionSchema = z
  .strictObject({
    action: z.enum(['accept', 'decline', 'evaluate']),
    reason: z.string().trim().min(1).max(2_000).optional().describe('Required for a decline; sent to Lexamica'),
    onBehalfOf: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .optional()
      .describe('`cms` identities only: the person in the CMS who decided. Recorded beside the identity, which is always the token\'s'),
  })
  .superRefine((d, ctx) => {
    if (d.action === 'decline' && d.reason === undefined) ctx.addIssue({ code: 'custom', path: ['reason'], message: 'a decline needs a reason' });
  });
