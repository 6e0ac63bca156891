/**
 * What-if: the rules YAML a person pastes or edits, run by the processor's own evaluator on the
 * case facts of the invitations decided most recently, next to what was decided. Nothing is
 * applied or stored; capacity limits are not reserved (what-if shows the rules' own answer).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { invitationFromFacts, type LedgerRecord } from '@lexbridge/core/ledger';
import { describeDecision, evaluateRules, parseRulesConfig, RulesConfigError, rulesSectionsOf, type RulesConfig } from '@lexbridge/core/rules';
import { ApiError, errorResponses } from '../../errors.js';
import { CONSOLE_SECURITY, type ConsoleRoutesOptions } from './options.js';

const outcomeSchema = z.object({ action: z.string(), rule: z.string().nullable(), description: z.string() });

/** The rules in `text` (a firm YAML, or only its rules sections); 400 naming `rules` and the YAML path of each problem. */
function rulesFrom(text: string): RulesConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    if (err instanceof YAMLParseError) throw new ApiError(400, 'validation_failed', `rules is not YAML: ${err.message.split('\n')[0]}`, { field: 'rules', in: 'body' });
    throw err;
  }
  if (raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) throw new ApiError(400, 'validation_failed', 'rules must be a YAML mapping (rules:, default:, capacity: …)', { field: 'rules', in: 'body' });
  try {
    return parseRulesConfig(rulesSectionsOf(raw as Record<string, unknown> | null));
  } catch (err) {
    if (err instanceof RulesConfigError) throw new ApiError(400, 'validation_failed', `rules: ${err.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`, { field: 'rules', in: 'body' });
    throw err;
  }
}

export const whatIfRoutes: FastifyPluginAsyncZod<ConsoleRoutesOptions> = async (app, o) => {
  const now = o.now ?? (() => new Date());

  /** The invitations decided most recently (from the feed's decisions), newest first, at most `n`. */
  async function lastDecided(n: number): Promise<LedgerRecord[]> {
    const ids: string[] = [];
    for (const e of await o.feed.recent(1_000)) {
      const id = e.data.invitationId;
      if (e.type === 'invitation.decided' && typeof id === 'string' && !ids.includes(id)) ids.push(id);
      if (ids.length >= n) break;
    }
    const records = await Promise.all(ids.map((id) => o.ledger.get(id)));
    return records.filter((r): r is LedgerRecord => r !== undefined);
  }

  app.post('/console/api/what-if', {
    schema: {
      tags: ['console'],
      security: CONSOLE_SECURITY,
      summary: 'What these rules would have decided for the last invitations, next to what was decided',
      description: 'Applies nothing. Uses the processor’s evaluator on the case facts kept with each invitation; invitations recorded before facts were kept are marked.',
      body: z.strictObject({
        rules: z.string().min(1, 'paste the rules YAML').max(200_000).describe('YAML: the firm file, or its rules sections (shadow, default, rules, capacity, expiryGuard)'),
        limit: z.number().int().min(1).max(200).default(20).describe('How many of the last invitations, 1..200 (default 20)'),
      }),
      response: {
        200: z.object({
          items: z.array(
            z.object({
              invitationId: z.string(),
              caseType: z.string().nullable(),
              factsKept: z.boolean().describe('False: recorded before case facts were kept; only the case type was seen'),
              decided: outcomeSchema.extend({ by: z.string() }),
              wouldDecide: outcomeSchema.extend({ trace: z.array(z.object({ rule: z.string(), matched: z.boolean() })) }),
              differs: z.boolean(),
            }),
          ),
          differing: z.number().int(),
        }),
        ...errorResponses(400, 401, 403, 429, 503),
      },
    },
    handler: async (request) => {
      const rules = rulesFrom(request.body.rules);
      const at = now();
      const items = (await lastDecided(request.body.limit)).map((r) => {
        const would = evaluateRules(rules, invitationFromFacts(r), at);
        const d = r.decision!;
        return {
          invitationId: r.invitationId,
          caseType: r.caseType ?? null,
          factsKept: r.facts !== undefined,
          decided: { action: d.action, rule: d.rule, description: describeDecision(d), by: d.by ?? d.source },
          wouldDecide: { action: would.action, rule: would.rule, description: describeDecision(would), trace: would.trace },
          differs: would.action !== d.action,
        };
      });
      return { items, differing: items.filter((i) => i.differs).length };
    },
  });
};
