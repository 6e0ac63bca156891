import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_EXPIRY_GUARD, parseRulesConfig, RulesConfigError, rulesConfigSchema } from './index.js';

const exampleYaml = readFileSync(new URL('./example-rules.yaml', import.meta.url), 'utf8');

/** The problems parseRulesConfig reports for a YAML text, as `path: message`. */
function problems(yaml: string): string[] {
  try {
    parseRulesConfig(parseYaml(yaml));
  } catch (e) {
    if (e instanceof RulesConfigError) return e.problems.map((p) => `${p.path}: ${p.message}`);
    throw e;
  }
  return [];
}

/** A rules block with one rule whose `when` is the given YAML flow value. */
const withWhen = (when: string, then = 'accept') => `rules:\n  - { name: r, when: ${when}, then: ${then} }\n`;

describe('rules configuration defaults', () => {
  it('gives every section its default when the YAML has none of them', () => {
    expect(parseRulesConfig({})).toEqual({
      shadow: false,
      default: { action: 'manual' },
      rules: [],
      capacity: [],
      expiryGuard: DEFAULT_EXPIRY_GUARD,
    });
    expect(parseRulesConfig(undefined).shadow).toBe(false);
  });

  it('reads the shadow flag as a YAML boolean and rejects anything else', () => {
    expect(parseRulesConfig(parseYaml('shadow: true')).shadow).toBe(true);
    expect(parseRulesConfig(parseYaml('shadow: false')).shadow).toBe(false);
    expect(problems('shadow: yes')).toEqual(['shadow: must be true or false']);
    expect(problems('shadow: "true"')).toEqual(['shadow: must be true or false']);
  });

  it('accepts an action written as a bare word, and a manual note', () => {
    const cfg = parseRulesConfig(parseYaml(`default: { action: manual, note: look at it }\n${withWhen('{ field: a, exists: true }', 'evaluate')}`));
    expect(cfg.default).toEqual({ action: 'manual', note: 'look at it' });
    expect(cfg.rules[0]!.then).toEqual({ action: 'evaluate' });
  });

  it('fills in the capacity whenFull default and reads guard durations as milliseconds', () => {
    const cfg = parseRulesConfig(
      parseYaml(`capacity:\n  - { caseType: Employment, maxAcceptsPerDay: 3 }\nexpiryGuard:\n  manual: { before: 90m, do: evaluate }\n  evaluate: { beforeMs: 60000, do: alert }\n`),
    );
    expect(cfg.capacity).toEqual([{ caseType: 'Employment', maxAcceptsPerDay: 3, whenFull: { action: 'manual', note: 'capacity reached' } }]);
    expect(cfg.expiryGuard).toEqual({ manual: { beforeMs: 5_400_000, do: 'evaluate' }, evaluate: { beforeMs: 60_000, do: 'alert' } });
  });

  it('defaults the guard plan that is not given', () => {
    const cfg = parseRulesConfig(parseYaml('expiryGuard:\n  manual: { before: 1d, do: alert }\n'));
    expect(cfg.expiryGuard).toEqual({ manual: { beforeMs: 86_400_000, do: 'alert' }, evaluate: DEFAULT_EXPIRY_GUARD.evaluate });
  });

  it('offers its keys as a shape the firm YAML schema can spread, each one optional', () => {
    expect(Object.keys(rulesConfigSchema.shape).sort()).toEqual(['capacity', 'default', 'expiryGuard', 'rules', 'shadow']);
    for (const s of Object.values(rulesConfigSchema.shape)) expect(s.safeParse(undefined).success).toBe(true);
  });
});

describe('the example rules file', () => {
  it('parses, in shadow mode, with its rules in order', () => {
    const cfg = parseRulesConfig(parseYaml(exampleYaml));
    expect(cfg.shadow).toBe(true);
    expect(cfg.rules.map((r) => r.name)).toContain('accept-high-value-mva');
    expect(cfg.rules[0]!.name).toBe('decline-outside-licensed-states');
    expect(cfg.capacity.find((c) => c.caseType === '*')?.whenFull).toEqual({ action: 'manual', note: 'Daily intake limit reached' });
    expect(cfg.expiryGuard.manual).toEqual({ beforeMs: 6 * 3_600_000, do: 'evaluate' });
  });
});

describe('bad rules are reported at the path of the mistake', () => {
  it('names an unknown operator', () => {
    expect(problems(withWhen('{ field: referral.estimatedValue, greaterThan: 5 }'))).toEqual([
      'rules.0.when.greaterThan: unknown operator "greaterThan"; use one of equals, notEquals, in, notIn, exists, gt, gte, lt, lte, before, after',
    ]);
  });

  it('refuses two operators in one condition, deep inside any', () => {
    expect(problems(withWhen('{ all: [ { field: a, exists: true }, { any: [ { field: v, gt: 1, lt: 5 } ] } ] }'))).toEqual([
      'rules.0.when.all.1.any.0.lt: two operators in one condition (gt, lt); write one condition per operator under all: [...]',
    ]);
  });

  it('refuses a condition with no operator, and one that is no condition at all', () => {
    expect(problems(withWhen('{ field: a }'))).toEqual([
      'rules.0.when: has no operator; use one of equals, notEquals, in, notIn, exists, gt, gte, lt, lte, before, after',
    ]);
    expect(problems(withWhen('{ caseType: Employment }'))[0]).toBe('rules.0.when: a condition has exactly one of field, all, any or not (found "caseType")');
    expect(problems(withWhen('{ field: a, all: [] }'))[0]).toMatch(/^rules\.0\.when: .*found field and all; nest them under all/);
    expect(problems(withWhen('[ { field: a, exists: true } ]'))[0]).toBe('rules.0.when: must be a condition: an object with field, all, any or not');
    expect(problems(withWhen('{ any: [] }'))).toEqual(['rules.0.when.any: must list at least one condition']);
    expect(problems(withWhen('{ not: { field: a, exists: maybe } }'))).toEqual(['rules.0.when.not.exists: must be true or false']);
  });

  it('says a numeric operator needs a number', () => {
    expect(problems(withWhen('{ any: [ { field: a, exists: true }, { field: referral.estimatedValue, gte: "100000" } ] }'))).toEqual([
      'rules.0.when.any.1.gte: must be a number (numeric operators compare numbers only)',
    ]);
  });

  it('says what a date bound may look like', () => {
    const [p] = problems(withWhen("{ field: expires, before: '+48 hours' }"));
    expect(p).toMatch(/^rules\.0\.when\.before: must be an ISO date or date-time .* relative to now \('now', '\+48h', '-365d'/);
    expect(problems(withWhen("{ field: expires, after: 'yesterday' }"))).toHaveLength(1);
    expect(problems(withWhen("{ field: expires, after: '2026-02-30T10:00:00Z' }"))).toHaveLength(1);
    expect(problems(withWhen("{ field: expires, after: '2026-01-31' }"))).toEqual([]);
    expect(problems(withWhen("{ field: expires, before: 'now' }"))).toEqual([]);
  });

  it('checks in lists, equals values, field paths and ignoreCase', () => {
    expect(problems(withWhen('{ field: s, in: CA }'))).toEqual(['rules.0.when.in: must be a list, e.g. [CA, NV]']);
    expect(problems(withWhen('{ field: s, notIn: [] }'))).toEqual(['rules.0.when.notIn: must list at least one value']);
    expect(problems(withWhen('{ field: s, equals: [CA] }'))).toEqual(['rules.0.when.equals: must be a string, number, true/false or null (use in: [...] for a list)']);
    expect(problems(withWhen('{ field: "referral..state", exists: true }'))).toEqual(['rules.0.when.field: must be a Lexamica field path such as referral.incident.state']);
    expect(problems(withWhen('{ field: a.__proto__, exists: true }'))).toEqual(['rules.0.when.field: must not name __proto__, constructor or prototype']);
    expect(problems(withWhen('{ field: v, gt: 1, ignoreCase: true }'))).toEqual(['rules.0.when.ignoreCase: applies only to equals, notEquals, in, notIn']);
  });

  it('requires a reason to decline, and names an unknown action', () => {
    expect(problems(withWhen('{ field: a, exists: true }', '{ action: decline }'))).toEqual(['rules.0.then.reason: decline needs a reason (Lexamica requires one)']);
    expect(problems(withWhen('{ field: a, exists: true }', 'decline'))).toEqual(['rules.0.then.reason: decline needs a reason (Lexamica requires one)']);
    expect(problems(withWhen('{ field: a, exists: true }', '{ action: decline, reason: "  " }'))).toEqual(['rules.0.then.reason: decline needs a reason (Lexamica requires one)']);
    expect(problems(withWhen('{ field: a, exists: true }', '{ action: acept }'))).toEqual(['rules.0.then.action: unknown action "acept"; use accept, decline, evaluate, manual']);
    expect(problems(withWhen('{ field: a, exists: true }', 'reject'))).toEqual(['rules.0.then: unknown action "reject"; use accept, decline, evaluate, manual']);
    expect(problems(withWhen('{ field: a, exists: true }', '{ reason: x }'))).toEqual(['rules.0.then.action: no action; use accept, decline, evaluate, manual']);
    expect(problems(withWhen('{ field: a, exists: true }', '{ action: accept, reason: x }'))).toEqual(['rules.0.then: unknown key "reason"; accept has action']);
    expect(problems('default: { action: nope }')).toEqual(['default.action: unknown action "nope"; use accept, decline, evaluate, manual']);
  });

  it('refuses a duplicate rule name and a rule without a name or with an unknown key', () => {
    const yaml = `rules:
  - { name: a, when: { field: x, exists: true }, then: accept }
  - { name: b, when: { field: x, exists: true }, then: accept }
  - { name: a, when: { field: x, exists: false }, then: evaluate }
`;
    expect(problems(yaml)).toEqual(['rules.2.name: duplicate rule name "a" (also rules.0)']);
    expect(problems('rules:\n  - { when: { field: x, exists: true }, then: accept }')).toEqual(['rules.0.name: a rule needs a name']);
    expect(problems('rules:\n  - { name: a, if: { field: x, exists: true }, then: accept }')).toContain('rules.0: unknown key "if"; a rule has name, when, then');
  });

  it('checks capacity limits and guard plans', () => {
    expect(problems('capacity:\n  - { caseType: Employment, maxAcceptsPerDay: 2.5 }')).toEqual(['capacity.0.maxAcceptsPerDay: must be a whole number']);
    expect(problems('capacity:\n  - { caseType: Employment, maxAcceptsPerDay: -1 }')).toEqual(['capacity.0.maxAcceptsPerDay: must be 0 or more']);
    expect(problems("capacity:\n  - { caseType: '*', maxAcceptsPerDay: 1 }\n  - { caseType: '*', maxAcceptsPerDay: 2 }")).toEqual(['capacity.1.caseType: "*" has two limits']);
    expect(problems('capacity:\n  - { caseType: Employment, maxAcceptsPerDay: 1, whenFull: accept }')).toEqual([
      'capacity.0.whenFull: cannot be accept: the limit would not limit anything',
    ]);
    expect(problems('expiryGuard:\n  manual: { before: soon, do: alert }')).toEqual(["expiryGuard.manual.before: must be a duration such as '30m', '2h' or '7d' (more than zero)"]);
    expect(problems('expiryGuard:\n  manual: { before: 2h, do: panic }')).toEqual(['expiryGuard.manual.do: must be evaluate or alert']);
    expect(problems('expiryGuard:\n  manual: { do: alert }')).toEqual(["expiryGuard.manual.before: give exactly one of before (e.g. '2h') or beforeMs"]);
  });

  // Issue 16, item 8: the guard posted "contact attempted" for an invitation nobody had contacted.
  it('refuses an expiry guard that would report a contact attempt nobody made, and says what to use', () => {
    const [problem, ...more] = problems('expiryGuard:\n  manual: { before: 3h, do: contact-attempted }');
    expect(more).toEqual([]);
    expect(problem).toMatch(/^expiryGuard\.manual\.do: /);
    expect(problem).toContain('contact-attempted');
    expect(problem).toMatch(/nobody|did not happen/);
    expect(problem).toMatch(/evaluate or alert/);
    expect(problem).toContain('/v1/cases/{caseId}/milestones');
  });

  it('reports every problem at once, and a typo in a section name', () => {
    const err = (() => {
      try {
        return parseRulesConfig(parseYaml('rule: []\nshadow: 1\ndefault: { action: decline }'));
      } catch (e) {
        return e;
      }
    })() as RulesConfigError;
    expect(err).toBeInstanceOf(RulesConfigError);
    expect(err.problems.map((p) => p.path).sort()).toEqual(['(root)', 'default.reason', 'shadow']);
    expect(err.message).toContain('unknown key "rule"');
  });
});
