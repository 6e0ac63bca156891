/**
 * Case updates both ways (lexamica-api.md §7): the firm's, received through its CaseUpdate mapping
 * and recorded; the originator's, posted on accepted cases as `Case Update Made`.
 */
import { z } from 'zod';
import { createRandom, deriveSeed } from '../random.js';
import { HttpError, invalidFirmBody, notFound, requireObject, zodProblems } from '../http-error.js';
import type { InvitationBook, PlatformContext } from './invitations.js';
import type { MappingRegistry } from './mappings.js';

/** What the sandbox requires of a case update the firm sends (lexamica-api.md §7), in Lexamica's names. */
const receivedUpdateSchema = z.looseObject({
  _id: z.string().min(1).optional(),
  referral: z.looseObject({ _id: z.string({ error: 'is required' }).min(1, 'is required') }),
  title: z.string({ error: 'is required' }).min(1, 'is required'),
  content: z.string({ error: 'is required' }),
  date: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' }),
  stage: z.string().optional(),
});

/** A recorded case update, in Lexamica's names. */
export type CaseUpdateDoc = z.infer<typeof receivedUpdateSchema> & { _id: string; author: { firm: 'originator' | 'handler' } };

const ORIGINATOR_UPDATES = [
  ['Medical records received', 'Records from the treating clinic are in; forwarding a summary.'],
  ['Client follow-up', 'Client called with questions about timing; please reach out this week.'],
  ['Insurance contact', 'The carrier has acknowledged the claim and assigned an adjuster.'],
  ['Documents signed', 'Client returned the signed authorisations.'],
] as const;

export interface CaseUpdateLog {
  list(): CaseUpdateDoc[];
  /** Records an update from the firm (body in its names); 400 naming what is missing, 404 for an unknown case. */
  receive(mappingId: string, body: unknown): CaseUpdateDoc;
  /** The originator posts an update on an accepted case; 409 when it is not accepted. */
  postFromOriginator(invitationId: string): CaseUpdateDoc;
  readonly receivedCount: number;
  /** Resends of an update already received (same `_id`), answered without recording again. */
  readonly repeatedCount: number;
  clear(): void;
}

export interface CaseUpdateDeps extends PlatformContext {
  seed: number;
  nextId(): string;
  mappings: MappingRegistry;
  invitations: InvitationBook;
}

export function createCaseUpdateLog(deps: CaseUpdateDeps): CaseUpdateLog {
  let updates: CaseUpdateDoc[] = [];
  let received = 0;
  let repeated = 0;
  let posted = 0;

  return {
    list: () => updates,
    receive(mappingId, body) {
      const mapping = deps.mappings.require(mappingId);
      if (mapping.model !== 'CaseUpdate') throw new HttpError(400, 'invalid_request', `mapping ${mappingId} is a ${mapping.model} mapping; case updates need a CaseUpdate mapping`);
      const mapper = deps.mappings.compiled(mappingId);
      // An absent referral is reported as its missing id, the field the firm actually has to send.
      const parsed = receivedUpdateSchema.safeParse({ referral: {}, ...mapper.toLexamica(requireObject(body)) });
      if (!parsed.success) throw invalidFirmBody(mapper, zodProblems(parsed.error));
      if (!deps.invitations.byCase(parsed.data.referral._id)) throw notFound('case', parsed.data.referral._id);
      // An update that names its own _id is the same update when it comes again (a resend after a
      // lost answer): answered with the first, recorded once.
      const own = parsed.data._id;
      const earlier = own === undefined ? undefined : updates.find((u) => u._id === own && u.author.firm === 'handler');
      if (earlier) {
        repeated += 1;
        return earlier;
      }
      const doc: CaseUpdateDoc = { ...parsed.data, _id: own ?? deps.nextId(), author: { firm: 'handler' } };
      updates.push(doc);
      received += 1;
      return doc;
    },
    postFromOriginator(invitationId) {
      const record = deps.invitations.get(invitationId);
      if (!record) throw notFound('invitation', invitationId);
      if (record.doc.status !== 'accepted') {
        throw new HttpError(409, 'case_not_accepted', `invitation ${invitationId} is ${record.doc.status}; the originator updates accepted cases only`, { status: record.doc.status });
      }
      const [title, content] = createRandom(deriveSeed(deps.seed, 'originator-update', posted)).pick(ORIGINATOR_UPDATES);
      posted += 1;
      const doc: CaseUpdateDoc = {
        _id: deps.nextId(),
        referral: { _id: record.doc.referral._id },
        title,
        content,
        date: new Date(deps.now()).toISOString(),
        stage: record.doc.referral.stage,
        author: { firm: 'originator' },
      };
      updates.push(doc);
      deps.emit('caseUpdateMade', structuredClone(doc) as Record<string, unknown>);
      return doc;
    },
    get receivedCount() {
      return received;
    },
    get repeatedCount() {
      return repeated;
    },
    clear() {
      updates = [];
      received = 0;
      repeated = 0;
      posted = 0;
    },
  };
}
