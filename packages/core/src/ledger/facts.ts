/**
 * The case facts a person needs to decide an invitation, kept on its ledger record in Lexamica's
 * field names (`referral.incident.state` is `facts.incident.state`). The client's contact details
 * (name, e-mail, phone) are kept only when the firm turns them on (`console.clientContact`): by
 * default the record holds no personal data about the client.
 */
import { z } from 'zod';
import type { Invitation } from '../domain/index.js';

/**
 * What Lexamica said about the case, in its own field names (`referral.*` without the prefix): the
 * one definition of the facts, which the API's responses describe and the console's page reads.
 */
export const caseFactsSchema = z.object({
  caseType: z.string(),
  description: z.string().optional(),
  stage: z.string().optional(),
  estimatedValue: z.number().optional(),
  incident: z.object({ date: z.string().optional(), state: z.string().optional(), city: z.string().optional() }).optional(),
  originator: z.object({ _id: z.string().optional(), name: z.string().optional() }).optional().describe('The referring firm'),
  client: z
    .object({ firstName: z.string().optional(), lastName: z.string().optional(), email: z.string().optional(), phone: z.string().optional() })
    .optional()
    .describe('Only when the firm keeps contact details (`console.clientContact: true`)'),
});

export type CaseFacts = z.infer<typeof caseFactsSchema>;

/** Drops undefined values, and the object itself when nothing is left. */
function defined<T extends Record<string, unknown>>(o: T): T | undefined {
  const kept = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  return Object.keys(kept).length > 0 ? kept : undefined;
}

/** The facts of `inv` to keep on its record; `clientContact` keeps the client's name, e-mail and phone too. */
export function caseFactsOf(inv: Invitation, opts: { clientContact: boolean }): CaseFacts {
  const r = inv.referral;
  const incident = r.incident && defined({ date: r.incident.date, state: r.incident.state, city: r.incident.city });
  const originator = r.originator && defined({ _id: r.originator._id, name: r.originator.name });
  const client = opts.clientContact && r.client ? defined({ firstName: r.client.firstName, lastName: r.client.lastName, email: r.client.email, phone: r.client.phone }) : undefined;
  return {
    caseType: r.caseType,
    ...(r.description !== undefined && { description: r.description }),
    ...(r.stage !== undefined && { stage: r.stage }),
    ...(r.estimatedValue !== undefined && { estimatedValue: r.estimatedValue }),
    ...(incident && { incident }),
    ...(originator && { originator }),
    ...(client && { client }),
  };
}

/**
 * The facts as an invitation in Lexamica's paths, for the rules evaluator (what-if): the same
 * shape `evaluateRules` sees in the processor, less whatever the facts do not keep.
 */
export function invitationFromFacts(r: { invitationId: string; expires: string; caseId?: string | undefined; facts?: CaseFacts | undefined; caseType?: string | undefined }): Record<string, unknown> {
  return { _id: r.invitationId, expires: r.expires, referral: { _id: r.caseId, ...(r.facts ?? { caseType: r.caseType }) } };
}
