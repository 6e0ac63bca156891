/**
 * The rules sections of the firm YAML (`shadow`, `default`, `rules`, `capacity`, `expiryGuard`),
 * validated with zod. Every mistake is reported with the YAML path of the rule part that is wrong
 * (`rules.2.when.any.0.gte`) and what is wrong with it.
 */
import { z } from 'zod';
import { durationMsSchema, timePointSchema } from './time-spec.js';
import type { ErrorKind } from '@lexbridge/infra/errors';

/** What to do with an invitation. `decline` needs a reason: Lexamica requires one. */
export type RuleAction =
  | { action: 'accept' }
  | { action: 'decline'; reason: string }
  | { action: 'evaluate' }
  | { action: 'manual'; note?: string };

/** A value `equals`/`in` compare with: strings compare case-sensitively unless `ignoreCase`. */
export type Scalar = string | number | boolean | null;

/**
 * A test on one Lexamica field path (`referral.incident.state`), with exactly one operator.
 * A missing field never throws: it is "not equal", "not in", does not exist, and fails every
 * numeric and date comparison.
 */
export interface FieldCondition {
  /** Lexamica dot path, e.g. `referral.caseType`. */
  field: string;
  equals?: Scalar;
  notEquals?: Scalar;
  in?: Scalar[];
  notIn?: Scalar[];
  /** true: the field is present and not null; false: absent or null. */
  exists?: boolean;
  /** Numeric comparisons: false unless the field holds a finite number. */
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
  /**
   * Date comparisons: false unless the field holds an ISO date or date-time. The bound is an ISO
   * date/date-time or relative to the evaluation's `now`: `'now'`, `'+48h'`, `'-365d'`, `'+30m'`.
   */
  before?: string;
  after?: string;
  /** Compare strings case-insensitively in equals, notEquals, in and notIn. Default false. */
  ignoreCase?: boolean;
}

/** A condition: a field test, or all / any / not of other conditions. */
export type Condition = { all: Condition[] } | { any: Condition[] } | { not: Condition } | FieldCondition;

/** One rule: when `when` holds, do `then`. Rules are tried in order; the first match wins. */
export interface Rule {
  /** Unique within the file; recorded with every decision the rule makes. */
  name: string;
  when: Condition;
  then: RuleAction;
}

/** At most `maxAcceptsPerDay` automatic accepts of a case type per UTC day. */
export interface CapacityLimit {
  /** A Lexamica `referral.caseType`, or `'*'`: a limit for each case type that has none of its own. */
  caseType: string;
  /** 0 means no automatic accepts at all. */
  maxAcceptsPerDay: number;
  /** Instead of accepting once the limit is reached. Default `{ action: 'manual', note: 'capacity reached' }`. */
  whenFull: RuleAction;
}

/**
 * What the expiry guard does, and how long before the invitation expires. It never reports a
 * contact attempt: only the CMS or a person who really contacted the client can say that.
 */
export interface GuardPlan {
  /** How long before expiry the guard runs. YAML: `before: 2h` (or `beforeMs: 7200000`). */
  beforeMs: number;
  /** `evaluate` asks Lexamica for more time; `alert` tells the CMS (`invitation.expiring`). */
  do: 'evaluate' | 'alert';
}

/** The firm's rules configuration. */
export interface RulesConfig {
  /** Decide and record, but send nothing to Lexamica. Default false. */
  shadow: boolean;
  /** When no rule matches. Default `{ action: 'manual' }`. */
  default: RuleAction;
  /** Tried in order; the first match wins. Default []. */
  rules: Rule[];
  /** Daily accept limits. Default []. */
  capacity: CapacityLimit[];
  /**
   * For invitations left `manual` or `evaluate`. Default: manual → evaluate 4h before expiry;
   * evaluate → alert 2h before expiry.
   */
  expiryGuard: { manual: GuardPlan; evaluate: GuardPlan };
}

/** Every field test of the rules' conditions, with its YAML path (`rules.2.when.any.0`). */
export function fieldConditions(rules: readonly Rule[]): Array<{ path: string; condition: FieldCondition }> {
  const out: Array<{ path: string; condition: FieldCondition }> = [];
  const walk = (c: Condition, path: string): void => {
    if ('all' in c) c.all.forEach((x, i) => walk(x, `${path}.all.${i}`));
    else if ('any' in c) c.any.forEach((x, i) => walk(x, `${path}.any.${i}`));
    else if ('not' in c) walk(c.not, `${path}.not`);
    else out.push({ path, condition: c });
  };
  rules.forEach((r, i) => walk(r.when, `rules.${i}.when`));
  return out;
}

export const OPERATORS = ['equals', 'notEquals', 'in', 'notIn', 'exists', 'gt', 'gte', 'lt', 'lte', 'before', 'after'] as const;
const CONDITION_KINDS = ['field', 'all', 'any', 'not'] as const;
const ACTIONS = ['accept', 'decline', 'evaluate', 'manual'] as const;
const quoted = (keys: readonly PropertyKey[]) => keys.map((k) => `"${String(k)}"`).join(', ');

export const DEFAULT_WHEN_FULL: RuleAction = { action: 'manual', note: 'capacity reached' };
export const DEFAULT_EXPIRY_GUARD: RulesConfig['expiryGuard'] = {
  manual: { beforeMs: 4 * 3_600_000, do: 'evaluate' },
  evaluate: { beforeMs: 2 * 3_600_000, do: 'alert' },
};

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses `raw` with `schema` inside a transform, forwarding its issues under `at` (a path). */
function parseInto<T>(schema: z.ZodType<T>, raw: unknown, ctx: z.RefinementCtx, at: PropertyKey[] = []): T {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  for (const issue of result.error.issues) ctx.addIssue({ code: 'custom', path: [...at, ...issue.path], message: issue.message });
  return z.NEVER;
}

function unknownKeys(what: string, allowed: readonly string[]) {
  return (issue: { code?: string; keys?: readonly string[] }) =>
    issue.code === 'unrecognized_keys' ? `unknown key ${quoted(issue.keys ?? [])}; ${what} has ${allowed.join(', ')}` : undefined;
}

// ---- actions ----

const actionVariants = {
  accept: z.strictObject({ action: z.literal('accept') }, { error: unknownKeys('accept', ['action']) }),
  decline: z.strictObject(
    {
      action: z.literal('decline'),
      reason: z
        .string({ error: 'decline needs a reason (Lexamica requires one)' })
        .trim()
        .min(1, 'decline needs a reason (Lexamica requires one)'),
    },
    { error: unknownKeys('decline', ['action', 'reason']) },
  ),
  evaluate: z.strictObject({ action: z.literal('evaluate') }, { error: unknownKeys('evaluate', ['action']) }),
  manual: z.strictObject({ action: z.literal('manual'), note: z.string().optional() }, { error: unknownKeys('manual', ['action', 'note']) }),
} satisfies Record<RuleAction['action'], z.ZodType>;

/** An action: `{ action: decline, reason: … }`, or just `accept` / `evaluate` / `manual`. */
export const ruleActionSchema: z.ZodType<RuleAction> = z.unknown().transform((raw, ctx): RuleAction => {
  const value = typeof raw === 'string' ? { action: raw } : raw;
  if (!isRecord(value)) {
    ctx.addIssue({ code: 'custom', message: `must be an action: ${ACTIONS.join(', ')}, or { action: decline, reason: … }` });
    return z.NEVER;
  }
  const action = value.action;
  if (typeof action !== 'string' || !(ACTIONS as readonly string[]).includes(action)) {
    const found = action === undefined ? 'no action' : `unknown action ${JSON.stringify(action)}`;
    ctx.addIssue({ code: 'custom', path: typeof raw === 'string' ? [] : ['action'], message: `${found}; use ${ACTIONS.join(', ')}` });
    return z.NEVER;
  }
  return parseInto<RuleAction>(actionVariants[action as RuleAction['action']], value, ctx);
});

// ---- conditions ----

const scalarSchema = z.union([z.string(), z.number(), z.boolean(), z.null()], {
  error: 'must be a string, number, true/false or null (use in: [...] for a list)',
});
const listSchema = z.array(scalarSchema, { error: 'must be a list, e.g. [CA, NV]' }).min(1, 'must list at least one value');
const numberSchema = z.number({ error: 'must be a number (numeric operators compare numbers only)' });
const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);
const fieldPathSchema = z
  .string({ error: 'must be a Lexamica field path such as referral.incident.state' })
  .regex(/^[^.\s]+(\.[^.\s]+)*$/, 'must be a Lexamica field path such as referral.incident.state')
  .refine((p) => !p.split('.').some((s) => FORBIDDEN_SEGMENTS.has(s)), 'must not name __proto__, constructor or prototype');

const operatorSchemas = {
  equals: scalarSchema,
  notEquals: scalarSchema,
  in: listSchema,
  notIn: listSchema,
  exists: z.boolean({ error: 'must be true or false' }),
  gt: numberSchema,
  gte: numberSchema,
  lt: numberSchema,
  lte: numberSchema,
  before: timePointSchema,
  after: timePointSchema,
} satisfies Record<(typeof OPERATORS)[number], z.ZodType>;
const STRING_OPERATORS: readonly string[] = ['equals', 'notEquals', 'in', 'notIn'];
const isOperator = (k: string): k is (typeof OPERATORS)[number] => (OPERATORS as readonly string[]).includes(k);
const fieldAndModifiersSchema = z.object({ field: fieldPathSchema, ignoreCase: z.boolean({ error: 'must be true or false' }).optional() });

const fieldConditionSchema = z.unknown().transform((raw, ctx): FieldCondition => {
  const value = raw as Record<string, unknown>;
  const keys = Object.keys(value);
  const unknown = keys.filter((k) => k !== 'field' && k !== 'ignoreCase' && !isOperator(k));
  for (const k of unknown) {
    ctx.addIssue({ code: 'custom', path: [k], message: `unknown operator "${k}"; use one of ${OPERATORS.join(', ')}` });
  }
  const ops = keys.filter(isOperator);
  if (ops.length === 0 && unknown.length === 0) {
    ctx.addIssue({ code: 'custom', message: `has no operator; use one of ${OPERATORS.join(', ')}` });
  }
  if (ops.length > 1) {
    ctx.addIssue({
      code: 'custom',
      path: [ops[1]!],
      message: `two operators in one condition (${ops.join(', ')}); write one condition per operator under all: [...]`,
    });
  }
  if ('ignoreCase' in value && ops.length === 1 && !STRING_OPERATORS.includes(ops[0]!)) {
    ctx.addIssue({ code: 'custom', path: ['ignoreCase'], message: `applies only to ${STRING_OPERATORS.join(', ')}` });
  }
  const base = parseInto(fieldAndModifiersSchema, value, ctx);
  const op = ops[0];
  if (op === undefined || ops.length > 1 || unknown.length > 0) return z.NEVER;
  const operand = parseInto(operatorSchemas[op] as z.ZodType<unknown>, value[op], ctx, [op]);
  return { ...base, [op]: operand } as FieldCondition;
});

const conditionListSchema = z.lazy(() =>
  z.array(conditionSchema, { error: 'must be a list of conditions' }).min(1, 'must list at least one condition'),
);
const groupSchemas = {
  all: z.strictObject({ all: conditionListSchema }, { error: unknownKeys('all', ['all']) }),
  any: z.strictObject({ any: conditionListSchema }, { error: unknownKeys('any', ['any']) }),
  not: z.strictObject({ not: z.lazy(() => conditionSchema) }, { error: unknownKeys('not', ['not']) }),
};

/** A condition (see {@link Condition}); issues name the offending operator's path. */
export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.unknown().transform((raw, ctx): Condition => {
    if (!isRecord(raw)) {
      ctx.addIssue({ code: 'custom', message: 'must be a condition: an object with field, all, any or not' });
      return z.NEVER;
    }
    const kinds = CONDITION_KINDS.filter((k) => k in raw);
    if (kinds.length !== 1) {
      const found = kinds.length === 0 ? `found ${quoted(Object.keys(raw)) || 'nothing'}` : `found ${kinds.join(' and ')}; nest them under all: [...]`;
      ctx.addIssue({ code: 'custom', message: `a condition has exactly one of field, all, any or not (${found})` });
      return z.NEVER;
    }
    const kind = kinds[0]!;
    return kind === 'field' ? parseInto(fieldConditionSchema, raw, ctx) : parseInto<Condition>(groupSchemas[kind], raw, ctx);
  }),
);

// ---- rules, capacity, expiry guard ----

const ruleSchema = z.strictObject(
  { name: z.string({ error: 'a rule needs a name' }).trim().min(1, 'a rule needs a name'), when: conditionSchema, then: ruleActionSchema },
  { error: unknownKeys('a rule', ['name', 'when', 'then']) },
);

const rulesSchema = z.array(ruleSchema, { error: 'must be a list of rules' }).superRefine((rules, ctx) => {
  const first = new Map<string, number>();
  rules.forEach((r, i) => {
    const seen = first.get(r.name);
    if (seen !== undefined) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate rule name "${r.name}" (also rules.${seen})` });
    else first.set(r.name, i);
  });
});

const capacityLimitSchema = z.strictObject(
  {
    caseType: z.string({ error: "must be a case type, or '*' for every other case type" }).min(1),
    maxAcceptsPerDay: z.number({ error: 'must be a whole number' }).int('must be a whole number').nonnegative('must be 0 or more'),
    whenFull: ruleActionSchema
      .refine((a) => a.action !== 'accept', 'cannot be accept: the limit would not limit anything')
      .default(DEFAULT_WHEN_FULL),
  },
  { error: unknownKeys('a capacity limit', ['caseType', 'maxAcceptsPerDay', 'whenFull']) },
);

const capacitySchema = z.array(capacityLimitSchema, { error: 'must be a list of limits' }).superRefine((limits, ctx) => {
  const seen = new Set<string>();
  limits.forEach((l, i) => {
    if (seen.has(l.caseType)) ctx.addIssue({ code: 'custom', path: [i, 'caseType'], message: `"${l.caseType}" has two limits` });
    seen.add(l.caseType);
  });
});

/** Why `do: contact-attempted` is refused, and what to use instead. */
const CONTACT_ATTEMPTED_GUARD_REFUSED =
  'contact-attempted is not allowed: the guard would tell Lexamica that the client was contacted when nobody did. ' +
  'Use evaluate or alert (evaluate asks for more time, alert tells the CMS); a real contact attempt is sent by the CMS ' +
  '(POST /v1/cases/{caseId}/milestones with type contact-attempted).';

const guardPlanSchema = z
  .strictObject(
    {
      before: durationMsSchema.optional(),
      beforeMs: durationMsSchema.optional(),
      do: z.unknown().transform((v, ctx): GuardPlan['do'] => {
        if (v === 'evaluate' || v === 'alert') return v;
        ctx.addIssue({ code: 'custom', message: v === 'contact-attempted' ? CONTACT_ATTEMPTED_GUARD_REFUSED : 'must be evaluate or alert' });
        return z.NEVER;
      }),
    },
    { error: unknownKeys('an expiry guard', ['before', 'do']) },
  )
  .transform((g, ctx): GuardPlan => {
    if ((g.before === undefined) === (g.beforeMs === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['before'], message: "give exactly one of before (e.g. '2h') or beforeMs" });
      return z.NEVER;
    }
    return { beforeMs: (g.before ?? g.beforeMs)!, do: g.do };
  });

/**
 * The rules sections as an object schema with defaults, so the firm YAML can spread
 * `rulesConfigSchema.shape` into its top level (every key optional there).
 */
export const rulesConfigSchema = z.strictObject(
  {
    shadow: z.boolean({ error: 'must be true or false' }).default(false),
    default: ruleActionSchema.default({ action: 'manual' }),
    rules: rulesSchema.default([]),
    capacity: capacitySchema.default([]),
    expiryGuard: z
      .strictObject(
        { manual: guardPlanSchema.default(DEFAULT_EXPIRY_GUARD.manual), evaluate: guardPlanSchema.default(DEFAULT_EXPIRY_GUARD.evaluate) },
        { error: unknownKeys('expiryGuard', ['manual', 'evaluate']) },
      )
      .default(DEFAULT_EXPIRY_GUARD),
  },
  { error: unknownKeys('the rules configuration', ['shadow', 'default', 'rules', 'capacity', 'expiryGuard']) },
);

// The schema's output is exactly the documented interface.
const _typed: z.ZodType<RulesConfig> = rulesConfigSchema;

/** Rules that cannot be used; each problem has a YAML path (`rules.3.when.all.1.gte`) and a message. */
export class RulesConfigError extends Error {
  override readonly name = 'RulesConfigError';
  /** For `errorKind` (@lexbridge/infra/errors). */
  get kind(): ErrorKind {
    return 'config';
  }
  constructor(readonly problems: { path: string; message: string }[]) {
    super(`Invalid rules:\n${problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n')}`);
  }
}

/** The keys of the firm YAML that hold the rules. */
export const RULES_SECTIONS = ['shadow', 'default', 'rules', 'capacity', 'expiryGuard'] as const;

/** The rules sections of a parsed firm YAML (or of a pasted fragment), for {@link parseRulesConfig}. */
export function rulesSectionsOf(raw: Record<string, unknown> | null | undefined): Record<string, unknown> {
  return Object.fromEntries(RULES_SECTIONS.filter((k) => raw != null && k in raw).map((k) => [k, raw![k]]));
}

/** Validates the rules sections (parsed YAML); throws {@link RulesConfigError} listing every problem. */
export function parseRulesConfig(raw: unknown): RulesConfig {
  const result = rulesConfigSchema.safeParse(raw ?? {});
  if (result.success) return result.data;
  throw new RulesConfigError(result.error.issues.map((i) => ({ path: i.path.length ? i.path.join('.') : '(root)', message: i.message })));
}
